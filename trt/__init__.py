"""TRT: a Telegram bot selling KIE.ai generations."""
