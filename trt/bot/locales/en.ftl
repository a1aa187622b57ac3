start-greeting = Hi, { $name }! I make pictures, video, music and speech with KIE.ai models.
    Pick a section — or start with the free models.
menu-title = Main menu
menu-free = 🆓 Free
menu-popular = ⭐ Popular
menu-balance = 💰 Balance
menu-help = ❓ Help
menu-language = 🌐 Language
menu-back = ⬅️ Back
menu-main = 🏠 Menu
page-prev = ◀️
page-next = ▶️
page-of = { $page } / { $pages }

category-image = 🎨 Images
category-edit = 🖌 Editing
category-enhance = ✨ Photo enhance
category-video = 🎬 Video
category-music = 🎵 Music
category-speech = 🗣 Speech
category-free = 🆓 Free models
category-popular = ⭐ Popular models

list-title = { $title }: { $count ->
    [one] { $count } model
   *[other] { $count } models
}
list-item-free = { $title } · free
list-item-price = { $title } · { $price }
list-item-range = { $title } · from { $price }

card-title = { $title }
card-free = Free (up to { $quota } a day)
card-price = Price: { $price }
card-price-range = Price: { $low } to { $high }
card-inputs = What you provide:
card-input-required = • { $name } (required)
card-input-optional = • { $name } (default: { $default })
card-input-optional-empty = • { $name } (optional)

balance-title = 💰 Balance: { $available }
balance-held = Reserved for running generations: { $held }
balance-last = Recent operations:
balance-empty = No operations yet.
balance-entry = { $date } · { $kind } · { $amount }
entry-topup = top-up
entry-bonus = bonus
entry-refund = refund
entry-hold = reserved
entry-capture = charged
entry-release = reserve returned
entry-adjustment = adjustment
entry-debit = debit

help-text = How it works:
    1. Pick a model in the menu.
    2. Fill in its fields — with buttons or a message.
    3. Confirm the price — the result arrives in this chat.
    Commands: /start — menu, /balance — balance, /lang — language, /cancel — cancel input, /help — help.
language-choose = Choose a language:
language-set = Language: English 🇬🇧

stale-button = This menu is outdated. Here is the main menu.
unknown-text = I understand menu buttons and commands. Open /start or /help.
cancelled = Cancelled. Here is the main menu.

cmd-start = Main menu
cmd-balance = Balance
cmd-lang = Language
cmd-cancel = Cancel input
cmd-help = Help

error-generic = Something went wrong. We are on it — please try again a bit later.
error-unknown-model = This model is no longer available. Here is the main menu.
error-money = The balance operation did not go through.
error-insufficient-funds = Not enough money on the balance.
error-unknown-hold = Reservation not found.
error-hold-settled = The reservation is already closed.
error-invalid-amount = Invalid amount.
error-unknown-user = User not found.

field-prompt = Prompt
field-negative_prompt = Negative prompt
field-aspect_ratio = Aspect ratio
field-resolution = Resolution
field-duration = Duration
field-sound = Sound
field-image = Image
field-images = Images
field-tail_image = Last frame
field-quality = Quality
field-mode = Mode
field-size = Size
field-n_frames = Duration
field-image_size = Image size
field-output_format = File format
field-style = Style
field-rendering_speed = Speed
field-upscale_factor = Upscale
field-strength = Strength
field-guidance_scale = Prompt guidance
field-cfg_scale = Prompt guidance
field-seed = Seed
field-enable_pro = Quality mode
field-generate_audio = Sound
field-fixed_lens = Fixed camera
field-prompt_optimizer = Improve prompt
field-enable_prompt_expansion = Expand prompt
field-remove_watermark = No watermark
field-instrumental = Instrumental
field-lyrics = Lyrics
field-title = Title
field-vocal_gender = Voice
field-negative_tags = Exclude styles
field-text = Text
field-voice = Voice
field-stability = Stability
field-similarity_boost = Voice similarity
field-speed = Speech speed

result-caption = ✅ Ready: { $model }
result-too-large = The file is too large to send in Telegram. Download it here: { $url }

job-queued = ⏳ { $model }: queued…
job-running = 🎨 { $model }: generating… { $elapsed } s
job-done = ✅ { $model }: done in { $elapsed } s. Sending the result.
job-failed = ❌ { $model }: it did not work out.
job-failed-content_policy = The request was rejected by the content rules. Try rephrasing the prompt.
job-failed-invalid_input = The model did not accept the inputs. Check the prompt and files.
job-failed-provider_error = The generation service failed.
job-failed-timeout = The generation did not finish in time.
job-failed-submit_failed = The task could not be sent to the generation service.
job-refunded = The money is back on your balance: { $amount }.
job-free-returned = The free attempt is returned.
