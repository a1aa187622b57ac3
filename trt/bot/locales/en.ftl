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
entry-debit = payment refunded

help-text = How it works:
    1. Pick a model in the menu.
    2. Fill in its fields — with buttons or a message.
    3. Confirm the price — the result arrives in this chat.
    Commands: /start — menu, /history — your generations, /balance — balance, /topup — top up,
    /promo CODE — a promo code, /lang — language, /cancel — cancel input, /help — help.
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
error-model-unavailable = ⏸ This model is unavailable right now. Please choose another one — here is the main menu.
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
field-dialogue = Dialogue

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

card-generate = ▶️ Generate

wiz-title = { $title }
wiz-step-of = Step { $step } of { $steps }
wiz-step-optional = Optional: you can leave it as it is.
wiz-step-current = Now: { $value }
wiz-ask-text = ✍️ { $name }: send a message, up to { $max } characters.
wiz-ask-dialogue = 🎭 { $name }: send one line per turn, the voice's name first, up to { $max } characters in all:
    { $first }: Hi! How are you?
    { $second }: Fine, thanks.
    Voices: { $speakers }.
wiz-ask-text-range = ✍️ { $name }: send a message, { $min } to { $max } characters.
wiz-ask-enum = { $name }: choose an option.
wiz-ask-bool = { $name }: yes or no?
wiz-ask-number-buttons = { $name }: choose a value or send a number from { $min } to { $max }.
wiz-ask-int = { $name }: send a whole number from { $min } to { $max }.
wiz-ask-int-open = { $name }: send a whole number.
wiz-ask-float = { $name }: send a number from { $min } to { $max }.
wiz-ask-image = 🖼 { $name }: send a photo or an image file ({ $types }, up to { $mb } MB).
wiz-ask-images = 🖼 { $name }: send { $min } to { $max } photos or image files ({ $types }, up to { $mb } MB each). An album works too.
wiz-files-received = Received: { $count } (up to { $max }). Send more or press “Done”.
wiz-files-full = Received: { $count } — that is the maximum. Press “Done”.
wiz-files-too-many = At most { $max } files — this one was not added. Press “Done”.
wiz-files-done = ✅ Done ({ $count })
wiz-yes = ✅ Yes
wiz-no = ❌ No
wiz-reset = ↩️ Default
wiz-back = ⬅️ Back
wiz-cancel = ✖️ Cancel
wiz-confirm = ✅ Confirm
wiz-edit = ✏️ { $name }
wiz-to-summary = ⬅️ To the summary

wiz-summary-title = 🧾 { $title } — check and confirm:
wiz-summary-line = • { $name }: { $value }
wiz-summary-price = 💳 Price: { $price } · your balance: { $balance }
wiz-summary-no-price = 💳 The price appears once the values fit together.
wiz-summary-free = 🆓 Free: { $left } of { $limit } left today
wiz-summary-free-none = 🆓 All { $limit } free generations for today are used; they reset at { $time } (Moscow time).
wiz-summary-invalid = ⚠️ Fix this before confirming:
wiz-use-buttons = Use the buttons under the summary to change a value or confirm.
wiz-value-empty = —
wiz-value-yes = yes
wiz-value-no = no
wiz-value-files = { $count ->
    [one] { $count } file
   *[other] { $count } files
}

wiz-already-started = Already started — watch the status message.
wiz-no-money = Not enough money: the price is { $price }, your balance { $balance }, missing { $missing }.
wiz-free-exhausted = You have used all { $limit } free generations for today; they reset at { $time } (Moscow time).
wiz-start-failed = Could not start the generation. Please try again a bit later.

wiz-problem = ⚠️ { $name }: { $text }
problem-missing = this field is required.
problem-unknown_field = this model has no such field.
problem-not_text = send it as a text message.
problem-too_short = too short: { $length } characters, at least { $min } needed.
problem-too_long = too long: { $length } characters, at most { $max }.
problem-not_a_number = “{ $value }” is not a number.
problem-not_on_step = the value must be a multiple of { $step }.
problem-out_of_range = the value must be from { $min } to { $max }.
problem-out_of_range-min = the value must be at least { $min }.
problem-out_of_range-max = the value must be at most { $max }.
problem-not_a_bool = answer yes or no.
problem-not_an_option = “{ $value }” is not one of the options — use the buttons.
problem-not_an_image = a file of type { $mime_type } is not accepted; send { $accepted }.
problem-file_too_large = the file is { $size } MB, the limit is { $max } MB.
problem-too_many_files = { $count } files, at most { $max }.
problem-too_few_files = { $count } files, at least { $min } needed.
problem-combination_not_allowed = this combination is not available: { $values }.
problem-not_a_dialogue_line = line { $line } needs a voice's name and a colon first, like “Brian: Hello”.
problem-unknown_speaker = there is no voice “{ $name }”; the voices are { $speakers }.

menu-topup = 💳 Top up
balance-promo = 🎟 Promo code
balance-invite = 👥 Invite friends
balance-payments = 📄 Payments
topup-title = 💳 Top up with Telegram Stars: choose a package or your own amount.
    Your own amount: { $min } to { $max } ⭐, 1 ⭐ = { $rate }.
topup-package = { $stars } ⭐ → { $rub }
topup-custom = ✏️ Other amount
topup-ask-custom = How many Stars? Send a whole number from { $min } to { $max } (1 ⭐ = { $rate }).
topup-bad-custom = Send a whole number of Stars from { $min } to { $max }, or /cancel.
invoice-title = Balance top-up
invoice-description = { $rub } to your balance for { $stars } ⭐
invoice-label = Top-up { $rub }
payment-done = ✅ Payment received: { $stars } ⭐, { $credited } credited.
    💰 Balance: { $balance }
precheckout-unknown-order = This invoice is not valid. Open /topup and try again.
precheckout-not-pending = This invoice is already paid or closed. Open /topup for a new one.
precheckout-expired = This invoice has expired. Open /topup for a new one.
precheckout-wrong-user = This invoice was issued to another user.
precheckout-wrong-amount = The invoice amount does not match the order. Open /topup and try again.
precheckout-banned = Payments are not available for this account.
precheckout-busy = The payment could not be checked in time. Please try again.
referral-reward = 🎉 A friend you invited made their first top-up: { $amount } is added to your balance.
invite-title = 👥 Invite friends
    Your link: { $link }
    When a friend joins through it, you get { $bonus } on their first top-up.
    Invited: { $invited } · earned: { $earned }
payments-title = 📄 Your payments:
payments-empty = No payments yet.
payments-entry = { $date } · #{ $order } · { $stars } ⭐ → { $rub } · { $status }
payment-status-paid = paid
payment-status-refunded = refunded
payment-status-rejected = rejected
payment-status-pending = under review
payments-entry-other = { $date } · #{ $order } · { $method } · { $rub } · { $status }
payment-method-manual = 🏦 bank transfer
manual-btn = 🏦 Bank transfer
manual-title = 🏦 Top-up by bank transfer. Choose the amount, or send your own from { $min } to { $max }.
manual-preset = { $amount }
manual-bad-amount = Send an amount in rubles from { $min } to { $max } (for example 1500), or /cancel.
manual-banned = Top-ups are not available for this account.
manual-order =
    🏦 Order #{ $order }: transfer { $amount }.

    { $details }

    When you have paid, send the receipt here as a photo or a PDF file. The money is credited once an operator checks it.
manual-btn-receipt = 📎 Send the receipt
manual-send-receipt = Send the receipt for order #{ $order } as a photo or a PDF file.
manual-not-receipt = This is not a receipt. Send the receipt for order #{ $order } as a photo or a PDF file, or /cancel.
manual-receipt-received = 🧾 The receipt for order #{ $order } ({ $amount }) is received and waits for an operator. You will get a message either way.
manual-receipt-already = The receipt for order #{ $order } is already with an operator. You will get a message once it is checked.
manual-receipt-closed = Order #{ $order } is closed (it expired or was already checked). Open /topup to start a new transfer.
manual-receipt-unknown = This order was not found. Open /topup to start a new transfer.
manual-approved-user =
    ✅ Your transfer for order #{ $order } is confirmed: { $amount } credited.
    💰 Balance: { $balance }
manual-rejected-user = ❌ Your transfer for order #{ $order } ({ $amount }) was not confirmed, nothing was credited. If you did pay, open /topup and send a clearer receipt with a new order.
manual-review =
    🧾 Bank transfer, order #{ $order }: { $amount }
    From: { $name } ({ $username }, id { $user })
    Created: { $date }
manual-btn-approve = ✅ Approve { $amount }
manual-btn-reject = ❌ Reject
manual-review-approved = ✅ Approved by { $admin }.
manual-review-rejected = ❌ Rejected by { $admin }.
manual-approved-admin = Order #{ $order } approved: { $amount } credited.
manual-rejected-admin = Order #{ $order } rejected; the user is told.
manual-decided-approved = Order #{ $order } was already approved by { $admin }.
manual-decided-rejected = Order #{ $order } was already rejected by { $admin }.
manual-review-gone = Order #{ $order } is not waiting for a decision.
manual-review-forbidden = Only operators can approve or reject top-ups.
admin-btn-manual = 🧾 Manual top-ups
admin-manual-queue = 🧾 Manual top-ups waiting for a decision: { $count }. Open one to see its receipt.
admin-manual-empty = 🧾 No manual top-ups are waiting.
admin-manual-item = #{ $order } · { $amount } · { $name }
refund-usage = Usage: /refund ORDER_ID_OR_CHARGE_ID [force]
refund-done = ↩️ Order #{ $order } refunded: { $stars } ⭐ returned to the user, { $debited } taken from their balance (now { $balance }).
refund-not-found = No order { $ref }.
refund-not-paid = Order #{ $order } is not paid, there is nothing to refund.
refund-already = Order #{ $order } is already refunded ({ $debited } was taken from the balance).
refund-spent = Order #{ $order } is not refunded: { $credit } was credited, but only { $available } is left on the balance. To refund anyway (taking what is left): /refund { $order } force
refund-refused = Telegram refused to refund order #{ $order }: { $detail }
refund-user = ↩️ { $stars } ⭐ were refunded to you; { $debited } was taken from the balance.
    💰 Balance: { $balance }
promo-ask = 🎟 Send the promo code.
promo-done = 🎟 Promo code { $code } activated: +{ $amount }.
    💰 Balance: { $balance }
promo-invalid = That is not a promo code: send 3 to 32 letters, digits, “-” or “_”, or /cancel.
promo-unknown = There is no such promo code.
promo-expired = This promo code has expired.
promo-used-up = This promo code has run out.
promo-already-used = You have already used this promo code.
promo-new-usage = Usage: /promo_new CODE AMOUNT_RUB MAX_USES [DAYS_VALID]
promo-new-done = Promo code { $code } created: { $amount }, up to { $uses } uses, valid until { $until }.
promo-new-done-forever = Promo code { $code } created: { $amount }, up to { $uses } uses, no expiry.
promo-new-exists = Promo code { $code } already exists.

menu-history = 🕘 History
cmd-history = History of generations
language-name-ru = Русский 🇷🇺
language-name-en = English 🇬🇧
too-fast = ⏳ Too fast — one moment, please.
error-generation-refused = The generation cannot be started.
error-free-quota = The free generations for today are used up.
error-invalid-inputs = The values do not fit this model. Check them and try again.
error-too-many-starts = ⏳ Too many generations started in the last minute. Try again in { $seconds } s.
error-banned = Generations are not available for this account.
result-actions = What next?
job-repeat = 🔁 Repeat
job-edit = ✏️ Change inputs
job-resend = 📥 Send again
repeat-started = 🔁 Started again: { $price }
repeat-started-free = 🔁 Started again — free
repeat-invalid = The model's fields have changed since then: change the inputs and confirm.
history-empty = 🕘 No generations yet. Pick a model in the menu.
history-title = 🕘 Your generations, page { $page }:
history-item = { $number }. { $model } · { $status } · { $price } · { $date }
history-button = { $number }. { $model }
history-free = free
history-status-pending = ⏳ queued
history-status-submitted = ⏳ queued
history-status-running = 🎨 generating
history-status-succeeded = ✅ done
history-status-failed = ❌ failed
history-job-title = 🧾 { $model } · #{ $job }
history-job-status = Status: { $status }
history-job-price = Price: { $price }
history-job-date = Started: { $date } (Moscow time)
history-sending = 📥 Sending…
history-resend-sent = 📥 Sent again. What next?
history-resend-expired = ⌛ The files of this result are no longer available: they are kept for a limited time. You can repeat the generation.
history-resend-unavailable = Could not send the files right now. Please try again a bit later.
history-resend-nothing = This generation has no result to send.

cmd-topup = Top up
cmd-promo = Enter a promo code

menu-search = 🔎 Search
category-search = 🔎 “{ $query }”
search-prompt = Type what you are looking for: a model name or a task — e.g. “video”, “upscale”, “Veo”.
search-none = Nothing found for “{ $query }”. Try another word or open the menu.

admin-title = 🛠 Admin
admin-btn-today = 📊 Today
admin-btn-week = 📊 7 days
admin-btn-all = 📊 All time
admin-btn-lookup = 🔎 User
admin-btn-kie = 💠 KIE balance
admin-btn-broadcast = 📣 Broadcast
admin-btn-back = ⬅️ Admin menu
admin-btn-ban = 🚫 Ban
admin-btn-unban = ✅ Unban
admin-btn-send = ✅ Send to everyone
admin-btn-drop = ✖️ Cancel
admin-period-today = today
admin-period-week = the last 7 days
admin-period-all = all time
admin-stats =
    📊 Statistics for { $period }
    Users: { $new } new, { $active } active
    Top-ups: { $revenue } ({ $topups })
    Captured by jobs: { $captured }
    KIE credits: { $credits } = { $cost }
    Margin: { $margin }
    Jobs: { $jobs }
    Top models: { $models }
    Failure rate: { $failure }
    Average time to result: { $seconds } s
admin-yes = yes
admin-no = no
admin-lookup-help = Find a user: /user ID or /user @username. Adjust a balance: /adjust USER ±RUBLES REASON.
admin-user-not-found = No user “{ $ref }”.
admin-user =
    👤 { $id } · { $name } · { $username }
    Since: { $since }
    Balance: { $available } (held { $held })
    Banned: { $banned } · Active: { $active }
admin-user-entries = Last ledger entries:
admin-user-jobs = Last jobs:
admin-user-orders = Paid orders:
admin-adjust-usage = Usage: /adjust USER ±RUBLES REASON (USER is an id or @username).
admin-adjust-done = Balance of { $id } adjusted by { $amount }; available now { $balance }.
admin-adjust-too-much = Refused: the balance cannot go below zero.
admin-kie = 💠 KIE balance: { $credits } credits (alert below { $threshold }).
admin-kie-low = ⚠️ KIE balance: { $credits } credits, below { $threshold }.
admin-kie-alert = ⚠️ KIE credits are running low: { $credits } left. Top up the KIE account.
admin-broadcast-ask = Send the broadcast message: text, or a photo with a caption. /cancel to stop.
admin-broadcast-preview = Preview. Send it to everyone?
admin-broadcast-started = 📣 Broadcast #{ $id } started: { $total } recipients.
admin-broadcast-dropped = Broadcast cancelled.
admin-broadcast-progress = 📣 Broadcast #{ $id }: { $done } / { $total } (sent { $sent }, blocked { $blocked }, failed { $failed })
admin-broadcast-done = ✅ Broadcast #{ $id } finished: { $total } recipients, sent { $sent }, blocked { $blocked }, failed { $failed }.
admin-topup-method = { $method ->
    [stars] ⭐ Stars
    [yookassa] 💳 card / SBP
    [manual] 🏦 bank transfer
    [other] without an order
   *[unknown] { $method }
}
admin-btn-models = 🧩 Models
admin-models-title =
    🧩 Models: { $on } on, { $off } off. Tap a model to switch it off or on.
    Fix a price for every option: /model_price ID RUBLES (or /model_price ID reset). By id: /model_off ID, /model_on ID.
admin-model-line-on = ✅ { $model } · { $price }
admin-model-line-off = ⛔ { $model } · { $price }
admin-model-price-range = { $low }–{ $high }
admin-model-price-fixed = { $price } (fixed)
admin-model-free = free
admin-model-usage-switch = Usage: /model_off ID or /model_on ID (the ids are in /admin → 🧩 Models).
admin-model-usage-price = Usage: /model_price ID RUBLES (e.g. 149.90), or /model_price ID reset.
admin-model-unknown = No model “{ $id }”. The ids are in /admin → 🧩 Models.
admin-model-off-done = ⛔ { $id } is switched off: users no longer see it and cannot start it.
admin-model-on-done = ✅ { $id } is switched on: users see it and can start it.
admin-model-price-done = 💰 { $id } now costs { $price } for every option.
admin-model-price-reset = 💰 { $id } is back to the catalog price: { $price }.
admin-model-price-free = { $id } is a free model: it has no price to fix.
admin-model-price-limits = A fixed price is from 1 ₽ to { $max }.

# Card / SBP top-ups through YooKassa.
topup-card = 💳 Bank card / SBP
cardpay-title = 💳 Top up by bank card or SBP (payment page by YooKassa).
    Choose an amount, or your own from { $min } to { $max }.
cardpay-custom = ✏️ Other amount
cardpay-ask-amount = How much? Send an amount in rubles from { $min } to { $max }, for example 750.
cardpay-bad-amount = That is not an amount from { $min } to { $max }. Send a number of rubles, for example 750, or /cancel.
cardpay-ask-contact = 🧾 By law (54-FZ) you get a receipt for the payment. Send the email or phone number to send it to. We keep it, so you type it only once.
cardpay-bad-contact = That is neither an email nor a phone number. Send, for example, name@example.com or +7 912 345-67-89, or /cancel.
cardpay-link = 💳 Top-up of { $rub }: press the button below and pay by card or SBP on the YooKassa page.
    🧾 The receipt goes to { $contact }.
    The balance is credited as soon as YooKassa confirms the payment.
cardpay-pay = Pay { $rub }
cardpay-change-contact = ✉️ Another email / phone
cardpay-unavailable = ⚠️ The payment service (YooKassa) cannot be reached right now. Nothing was charged and the order is cancelled. Please try again in a few minutes, or top up with Telegram Stars.
cardpay-paid = ✅ Card payment received: { $credited } credited.
    💰 Balance: { $balance }
cardpay-cancelled = ❌ The card payment of { $rub } was cancelled; nothing was charged. Start a new one with /topup.
refund-card-done = ↩️ Order #{ $order } refunded: { $rub } is going back to the user's card, { $debited } taken from their balance (now { $balance }).
refund-card-pending = ⏳ YooKassa accepted the refund of order #{ $order } ({ $rub }) and is still returning the money. The balance changes, and the user is told, once YooKassa says it succeeded; /refund { $order } again checks it now.
refund-card-cancelled = ❌ YooKassa cancelled the refund of order #{ $order } ({ $detail }): no money went back and the balance is unchanged. YooKassa repeats this answer for the order for 24 hours; after that /refund { $order } tries again, or refund it in YooKassa's dashboard (the bot records it).
refund-card-refused = ❌ YooKassa refused to refund order #{ $order }: { $detail }. Nothing changed.
refund-card-unreachable = ⚠️ YooKassa could not be asked to refund order #{ $order } ({ $detail }). Nothing changed; run /refund { $order } again later: the money never goes back twice.
refund-card-user = ↩️ { $rub } was refunded to your card; { $debited } was taken from the balance (now { $balance }).
payment-method-yookassa = 💳 card / SBP
