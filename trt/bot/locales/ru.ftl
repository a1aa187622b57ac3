start-greeting = Привет, { $name }! Я генерирую картинки, видео, музыку и речь нейросетями KIE.ai.
    Выберите раздел — или начните с бесплатных моделей.
menu-title = Главное меню
menu-free = 🆓 Бесплатные
menu-popular = ⭐ Популярные
menu-balance = 💰 Баланс
menu-help = ❓ Помощь
menu-language = 🌐 Язык
menu-back = ⬅️ Назад
menu-main = 🏠 Меню
page-prev = ◀️
page-next = ▶️
page-of = { $page } / { $pages }

category-image = 🎨 Картинки
category-edit = 🖌 Редактирование
category-enhance = ✨ Улучшение фото
category-video = 🎬 Видео
category-music = 🎵 Музыка
category-speech = 🗣 Озвучка
category-free = 🆓 Бесплатные модели
category-popular = ⭐ Популярные модели

list-title = { $title }: { $count ->
    [one] { $count } модель
    [few] { $count } модели
   *[many] { $count } моделей
}
list-item-free = { $title } · бесплатно
list-item-price = { $title } · { $price }
list-item-range = { $title } · от { $price }

card-title = { $title }
card-free = Бесплатно (до { $quota } в день)
card-price = Цена: { $price }
card-price-range = Цена: от { $low } до { $high }
card-inputs = Что нужно указать:
card-input-required = • { $name } (обязательно)
card-input-optional = • { $name } (по умолчанию: { $default })
card-input-optional-empty = • { $name } (необязательно)

balance-title = 💰 Баланс: { $available }
balance-held = Зарезервировано под генерации: { $held }
balance-last = Последние операции:
balance-empty = Операций пока нет.
balance-entry = { $date } · { $kind } · { $amount }
entry-topup = пополнение
entry-bonus = бонус
entry-refund = возврат
entry-hold = резерв
entry-capture = списание
entry-release = возврат резерва
entry-adjustment = корректировка
entry-debit = возврат платежа

help-text = Как это работает:
    1. Выберите модель в меню.
    2. Заполните поля — кнопками или сообщением.
    3. Подтвердите цену — результат придёт в этот чат.
    Команды: /start — меню, /history — ваши генерации, /balance — баланс, /topup — пополнить,
    /promo КОД — промокод, /lang — язык, /cancel — отменить ввод, /help — помощь.
language-choose = Выберите язык:
language-set = Язык: русский 🇷🇺

stale-button = Это меню устарело. Вот главное меню.
unknown-text = Я понимаю кнопки меню и команды. Откройте /start или /help.
cancelled = Отменено. Вот главное меню.

cmd-start = Главное меню
cmd-balance = Баланс
cmd-lang = Язык
cmd-cancel = Отменить ввод
cmd-help = Помощь

error-generic = Что-то пошло не так. Мы уже разбираемся — попробуйте ещё раз чуть позже.
error-unknown-model = Эта модель больше недоступна. Вот главное меню.
error-model-unavailable = ⏸ Эта модель сейчас недоступна. Выберите другую — вот главное меню.
error-money = Операция с балансом не выполнена.
error-insufficient-funds = Недостаточно средств на балансе.
error-unknown-hold = Резерв не найден.
error-hold-settled = Резерв уже закрыт.
error-invalid-amount = Неверная сумма.
error-unknown-user = Пользователь не найден.

field-prompt = Описание (промпт)
field-negative_prompt = Чего избегать
field-aspect_ratio = Соотношение сторон
field-resolution = Разрешение
field-duration = Длительность
field-sound = Звук
field-image = Изображение
field-images = Изображения
field-tail_image = Последний кадр
field-quality = Качество
field-mode = Режим
field-size = Размер
field-n_frames = Длительность
field-image_size = Размер изображения
field-output_format = Формат файла
field-style = Стиль
field-rendering_speed = Скорость
field-upscale_factor = Увеличение
field-strength = Сила изменения
field-guidance_scale = Следование промпту
field-cfg_scale = Следование промпту
field-seed = Seed
field-enable_pro = Режим качества
field-generate_audio = Звук
field-fixed_lens = Статичная камера
field-prompt_optimizer = Улучшить промпт
field-enable_prompt_expansion = Расширить промпт
field-remove_watermark = Без водяного знака
field-instrumental = Без вокала
field-lyrics = Текст песни
field-title = Название
field-vocal_gender = Голос
field-negative_tags = Исключить стили
field-text = Текст
field-voice = Голос
field-stability = Стабильность
field-similarity_boost = Похожесть голоса
field-speed = Скорость речи
field-dialogue = Диалог

result-caption = ✅ Готово: { $model }
result-too-large = Файл слишком большой для отправки в Telegram. Скачайте его по ссылке: { $url }

job-queued = ⏳ { $model }: задача в очереди…
job-running = 🎨 { $model }: генерирую… { $elapsed } с
job-done = ✅ { $model }: готово за { $elapsed } с. Отправляю результат.
job-failed = ❌ { $model }: не получилось.
job-failed-content_policy = Запрос отклонён правилами контента. Попробуйте переформулировать описание.
job-failed-invalid_input = Модель не приняла входные данные. Проверьте описание и файлы.
job-failed-provider_error = Сбой на стороне сервиса генерации.
job-failed-timeout = Генерация не уложилась в отведённое время.
job-failed-submit_failed = Не удалось отправить задачу в сервис генерации.
job-refunded = Деньги возвращены на баланс: { $amount }.
job-free-returned = Бесплатная попытка возвращена.

card-generate = ▶️ Создать

wiz-title = { $title }
wiz-step-of = Шаг { $step } из { $steps }
wiz-step-optional = Необязательно: можно оставить как есть.
wiz-step-current = Сейчас: { $value }
wiz-ask-text = ✍️ { $name }: отправьте сообщение, до { $max } символов.
wiz-ask-dialogue = 🎭 { $name }: отправьте по строке на реплику, в начале имя голоса, всего до { $max } символов:
    { $first }: Привет! Как дела?
    { $second }: Отлично, спасибо.
    Голоса: { $speakers }.
wiz-ask-text-range = ✍️ { $name }: отправьте сообщение, от { $min } до { $max } символов.
wiz-ask-enum = { $name }: выберите вариант.
wiz-ask-bool = { $name }: да или нет?
wiz-ask-number-buttons = { $name }: выберите значение или отправьте число от { $min } до { $max }.
wiz-ask-int = { $name }: отправьте целое число от { $min } до { $max }.
wiz-ask-int-open = { $name }: отправьте целое число.
wiz-ask-float = { $name }: отправьте число от { $min } до { $max }.
wiz-ask-image = 🖼 { $name }: отправьте фото или файл изображения ({ $types }, до { $mb } МБ).
wiz-ask-images = 🖼 { $name }: отправьте от { $min } до { $max } фото или файлов изображений ({ $types }, до { $mb } МБ каждый). Можно альбомом.
wiz-files-received = Получено: { $count } (можно до { $max }). Отправьте ещё или нажмите «Готово».
wiz-files-full = Получено: { $count } — это максимум. Нажмите «Готово».
wiz-files-too-many = Не больше { $max } файлов — этот не добавлен. Нажмите «Готово».
wiz-files-done = ✅ Готово ({ $count })
wiz-yes = ✅ Да
wiz-no = ❌ Нет
wiz-reset = ↩️ По умолчанию
wiz-back = ⬅️ Назад
wiz-cancel = ✖️ Отмена
wiz-confirm = ✅ Подтвердить
wiz-edit = ✏️ { $name }
wiz-to-summary = ⬅️ К сводке

wiz-summary-title = 🧾 { $title } — проверьте и подтвердите:
wiz-summary-line = • { $name }: { $value }
wiz-summary-price = 💳 Цена: { $price } · ваш баланс: { $balance }
wiz-summary-no-price = 💳 Цена появится, когда значения будут совместимы.
wiz-summary-free = 🆓 Бесплатно: осталось { $left } из { $limit } на сегодня
wiz-summary-free-none = 🆓 Все { $limit } бесплатных генераций на сегодня использованы; лимит обновится в { $time } (по Москве).
wiz-summary-invalid = ⚠️ Исправьте перед подтверждением:
wiz-use-buttons = Используйте кнопки под сводкой, чтобы изменить значение или подтвердить.
wiz-value-empty = —
wiz-value-yes = да
wiz-value-no = нет
wiz-value-files = { $count ->
    [one] { $count } файл
    [few] { $count } файла
   *[many] { $count } файлов
}

wiz-already-started = Уже запущено — следите за сообщением со статусом.
wiz-no-money = Недостаточно средств: цена { $price }, ваш баланс { $balance }, не хватает { $missing }.
wiz-free-exhausted = Вы использовали все { $limit } бесплатных генераций на сегодня; лимит обновится в { $time } (по Москве).
wiz-start-failed = Не удалось запустить генерацию. Попробуйте ещё раз чуть позже.

wiz-problem = ⚠️ { $name }: { $text }
problem-missing = это поле обязательно.
problem-unknown_field = у этой модели нет такого поля.
problem-not_text = отправьте это текстовым сообщением.
problem-too_short = слишком коротко: { $length } символов, нужно не меньше { $min }.
problem-too_long = слишком длинно: { $length } символов, можно не больше { $max }.
problem-not_a_number = «{ $value }» — не число.
problem-not_on_step = значение должно быть кратно { $step }.
problem-out_of_range = значение должно быть от { $min } до { $max }.
problem-out_of_range-min = значение должно быть не меньше { $min }.
problem-out_of_range-max = значение должно быть не больше { $max }.
problem-not_a_bool = ответьте «да» или «нет».
problem-not_an_option = «{ $value }» — нет среди вариантов, выберите кнопкой.
problem-not_an_image = файл типа { $mime_type } не подходит; отправьте { $accepted }.
problem-file_too_large = файл весит { $size } МБ, а можно не больше { $max } МБ.
problem-too_many_files = { $count } файлов, можно не больше { $max }.
problem-too_few_files = { $count } файлов, нужно не меньше { $min }.
problem-combination_not_allowed = такое сочетание недоступно: { $values }.
problem-not_a_dialogue_line = в строке { $line } нужно сначала имя голоса и двоеточие, например «Brian: Привет».
problem-unknown_speaker = голоса «{ $name }» нет; есть голоса { $speakers }.

menu-topup = 💳 Пополнить
balance-promo = 🎟 Промокод
balance-invite = 👥 Пригласить друзей
balance-payments = 📄 Платежи
topup-title = 💳 Пополнение звёздами Telegram: выберите пакет или свою сумму.
    Своя сумма: от { $min } до { $max } ⭐, 1 ⭐ = { $rate }.
topup-package = { $stars } ⭐ → { $rub }
topup-custom = ✏️ Другая сумма
topup-ask-custom = Сколько звёзд? Пришлите целое число от { $min } до { $max } (1 ⭐ = { $rate }).
topup-bad-custom = Пришлите целое число звёзд от { $min } до { $max } или /cancel.
invoice-title = Пополнение баланса
invoice-description = { $rub } на баланс за { $stars } ⭐
invoice-label = Пополнение на { $rub }
payment-done = ✅ Оплата получена: { $stars } ⭐, зачислено { $credited }.
    💰 Баланс: { $balance }
precheckout-unknown-order = Этот счёт недействителен. Откройте /topup и попробуйте ещё раз.
precheckout-not-pending = Этот счёт уже оплачен или закрыт. Откройте /topup, чтобы получить новый.
precheckout-expired = Срок этого счёта истёк. Откройте /topup, чтобы получить новый.
precheckout-wrong-user = Этот счёт выставлен другому пользователю.
precheckout-wrong-amount = Сумма счёта не совпадает с заказом. Откройте /topup и попробуйте ещё раз.
precheckout-banned = Оплата недоступна для этого аккаунта.
precheckout-busy = Не удалось вовремя проверить платёж. Попробуйте ещё раз.
referral-reward = 🎉 Приглашённый вами друг впервые пополнил баланс: вам начислено { $amount }.
invite-title = 👥 Пригласить друзей
    Ваша ссылка: { $link }
    Когда друг придёт по ней, вы получите { $bonus } с его первого пополнения.
    Приглашено: { $invited } · заработано: { $earned }
payments-title = 📄 Ваши платежи:
payments-empty = Платежей пока нет.
payments-entry = { $date } · №{ $order } · { $stars } ⭐ → { $rub } · { $status }
payment-status-paid = оплачен
payment-status-refunded = возвращён
payment-status-rejected = отклонён
payment-status-pending = на проверке
payments-entry-other = { $date } · №{ $order } · { $method } · { $rub } · { $status }
payment-method-manual = 🏦 банковский перевод
manual-btn = 🏦 Банковский перевод
manual-title = 🏦 Пополнение банковским переводом. Выберите сумму или пришлите свою от { $min } до { $max }.
manual-preset = { $amount }
manual-bad-amount = Пришлите сумму в рублях от { $min } до { $max } (например, 1500) или /cancel.
manual-banned = Пополнение недоступно для этого аккаунта.
manual-order =
    🏦 Заказ №{ $order }: переведите { $amount }.

    { $details }

    После оплаты пришлите сюда чек фотографией или PDF-файлом. Деньги зачисляются после проверки оператором.
manual-btn-receipt = 📎 Отправить чек
manual-send-receipt = Пришлите чек по заказу №{ $order } фотографией или PDF-файлом.
manual-not-receipt = Это не чек. Пришлите чек по заказу №{ $order } фотографией или PDF-файлом или /cancel.
manual-receipt-received = 🧾 Чек по заказу №{ $order } ({ $amount }) получен и ждёт проверки оператором. Мы сообщим результат в любом случае.
manual-receipt-already = Чек по заказу №{ $order } уже у оператора. Мы сообщим, когда он будет проверен.
manual-receipt-closed = Заказ №{ $order } закрыт (истёк или уже проверен). Откройте /topup, чтобы начать новый перевод.
manual-receipt-unknown = Заказ не найден. Откройте /topup, чтобы начать новый перевод.
manual-approved-user =
    ✅ Перевод по заказу №{ $order } подтверждён: зачислено { $amount }.
    💰 Баланс: { $balance }
manual-rejected-user = ❌ Перевод по заказу №{ $order } ({ $amount }) не подтверждён, ничего не зачислено. Если вы оплатили, откройте /topup и пришлите более чёткий чек с новым заказом.
manual-review =
    🧾 Банковский перевод, заказ №{ $order }: { $amount }
    От: { $name } ({ $username }, id { $user })
    Создан: { $date }
manual-btn-approve = ✅ Подтвердить { $amount }
manual-btn-reject = ❌ Отклонить
manual-review-approved = ✅ Подтвердил { $admin }.
manual-review-rejected = ❌ Отклонил { $admin }.
manual-approved-admin = Заказ №{ $order } подтверждён: зачислено { $amount }.
manual-rejected-admin = Заказ №{ $order } отклонён; пользователь уведомлён.
manual-decided-approved = Заказ №{ $order } уже подтвердил { $admin }.
manual-decided-rejected = Заказ №{ $order } уже отклонил { $admin }.
manual-review-gone = Заказ №{ $order } не ждёт решения.
manual-review-forbidden = Подтверждать и отклонять пополнения могут только операторы.
admin-btn-manual = 🧾 Ручные пополнения
admin-manual-queue = 🧾 Ручных пополнений ждут решения: { $count }. Откройте любое, чтобы увидеть чек.
admin-manual-empty = 🧾 Ручных пополнений в очереди нет.
admin-manual-item = №{ $order } · { $amount } · { $name }
refund-usage = Использование: /refund НОМЕР_ЗАКАЗА_ИЛИ_CHARGE_ID [force]
refund-done = ↩️ Заказ №{ $order } возвращён: пользователю вернулось { $stars } ⭐, с баланса списано { $debited } (осталось { $balance }).
refund-not-found = Заказ { $ref } не найден.
refund-not-paid = Заказ №{ $order } не оплачен, возвращать нечего.
refund-already = Заказ №{ $order } уже возвращён (с баланса списано { $debited }).
refund-spent = Заказ №{ $order } не возвращён: зачислено { $credit }, а на балансе осталось { $available }. Вернуть всё равно (списав остаток): /refund { $order } force
refund-refused = Telegram отказал в возврате заказа №{ $order }: { $detail }
refund-user = ↩️ Вам вернули { $stars } ⭐; с баланса списано { $debited }.
    💰 Баланс: { $balance }
promo-ask = 🎟 Пришлите промокод.
promo-done = 🎟 Промокод { $code } активирован: +{ $amount }.
    💰 Баланс: { $balance }
promo-invalid = Это не похоже на промокод: пришлите от 3 до 32 латинских букв, цифр, «-» или «_», или /cancel.
promo-unknown = Такого промокода нет.
promo-expired = Срок действия промокода истёк.
promo-used-up = Промокод закончился.
promo-already-used = Вы уже использовали этот промокод.
promo-new-usage = Использование: /promo_new КОД СУММА_РУБ МАКС_ИСПОЛЬЗОВАНИЙ [ДНЕЙ]
promo-new-done = Промокод { $code } создан: { $amount }, до { $uses } использований, действует до { $until }.
promo-new-done-forever = Промокод { $code } создан: { $amount }, до { $uses } использований, без срока.
promo-new-exists = Промокод { $code } уже существует.

menu-history = 🕘 История
cmd-history = История генераций
language-name-ru = Русский 🇷🇺
language-name-en = English 🇬🇧
too-fast = ⏳ Слишком быстро — секунду.
error-generation-refused = Генерацию нельзя запустить.
error-free-quota = Бесплатные генерации на сегодня закончились.
error-invalid-inputs = Значения не подходят этой модели. Проверьте их и попробуйте снова.
error-too-many-starts = ⏳ Слишком много генераций за последнюю минуту. Попробуйте снова через { $seconds } с.
error-banned = Генерации недоступны для этого аккаунта.
result-actions = Что дальше?
job-repeat = 🔁 Повторить
job-edit = ✏️ Изменить параметры
job-resend = 📥 Прислать снова
repeat-started = 🔁 Запущено снова: { $price }
repeat-started-free = 🔁 Запущено снова — бесплатно
repeat-invalid = Поля модели с тех пор изменились: измените параметры и подтвердите.
history-empty = 🕘 Генераций пока нет. Выберите модель в меню.
history-title = 🕘 Ваши генерации, страница { $page }:
history-item = { $number }. { $model } · { $status } · { $price } · { $date }
history-button = { $number }. { $model }
history-free = бесплатно
history-status-pending = ⏳ в очереди
history-status-submitted = ⏳ в очереди
history-status-running = 🎨 генерируется
history-status-succeeded = ✅ готово
history-status-failed = ❌ не получилось
history-job-title = 🧾 { $model } · №{ $job }
history-job-status = Статус: { $status }
history-job-price = Цена: { $price }
history-job-date = Запущено: { $date } (время московское)
history-sending = 📥 Отправляю…
history-resend-sent = 📥 Прислал снова. Что дальше?
history-resend-expired = ⌛ Файлы этого результата больше недоступны: они хранятся ограниченное время. Можно повторить генерацию.
history-resend-unavailable = Не удалось отправить файлы сейчас. Попробуйте чуть позже.
history-resend-nothing = У этой генерации нет результата, который можно прислать.

cmd-topup = Пополнить баланс
cmd-promo = Ввести промокод

menu-search = 🔎 Поиск
category-search = 🔎 «{ $query }»
search-prompt = Напишите, что ищете: название модели или задачу — например, «видео», «апскейл», «Veo».
search-none = По запросу «{ $query }» ничего не нашлось. Попробуйте другое слово или откройте меню.

admin-title = 🛠 Админка
admin-btn-today = 📊 Сегодня
admin-btn-week = 📊 7 дней
admin-btn-all = 📊 Всё время
admin-btn-lookup = 🔎 Пользователь
admin-btn-kie = 💠 Баланс KIE
admin-btn-broadcast = 📣 Рассылка
admin-btn-back = ⬅️ Меню админа
admin-btn-ban = 🚫 Забанить
admin-btn-unban = ✅ Разбанить
admin-btn-send = ✅ Отправить всем
admin-btn-drop = ✖️ Отмена
admin-period-today = сегодня
admin-period-week = последние 7 дней
admin-period-all = всё время
admin-stats =
    📊 Статистика за { $period }
    Пользователи: { $new } новых, { $active } активных
    Пополнения: { $revenue } ({ $topups })
    Списано за генерации: { $captured }
    Кредиты KIE: { $credits } = { $cost }
    Маржа: { $margin }
    Генерации: { $jobs }
    Топ моделей: { $models }
    Доля ошибок: { $failure }
    Среднее время до результата: { $seconds } с
admin-yes = да
admin-no = нет
admin-lookup-help = Найти пользователя: /user ID или /user @username. Изменить баланс: /adjust ПОЛЬЗОВАТЕЛЬ ±РУБЛИ ПРИЧИНА.
admin-user-not-found = Пользователь «{ $ref }» не найден.
admin-user =
    👤 { $id } · { $name } · { $username }
    С нами с: { $since }
    Баланс: { $available } (в резерве { $held })
    Забанен: { $banned } · Активен: { $active }
admin-user-entries = Последние операции:
admin-user-jobs = Последние генерации:
admin-user-orders = Оплаченные заказы:
admin-adjust-usage = Использование: /adjust ПОЛЬЗОВАТЕЛЬ ±РУБЛИ ПРИЧИНА (ПОЛЬЗОВАТЕЛЬ — id или @username).
admin-adjust-done = Баланс { $id } изменён на { $amount }; доступно { $balance }.
admin-adjust-too-much = Отказано: баланс не может стать отрицательным.
admin-kie = 💠 Баланс KIE: { $credits } кредитов (оповещение ниже { $threshold }).
admin-kie-low = ⚠️ Баланс KIE: { $credits } кредитов, ниже { $threshold }.
admin-kie-alert = ⚠️ Кредиты KIE заканчиваются: осталось { $credits }. Пополните аккаунт KIE.
admin-broadcast-ask = Пришлите сообщение для рассылки: текст или фото с подписью. /cancel — отмена.
admin-broadcast-preview = Предпросмотр. Отправить всем?
admin-broadcast-started = 📣 Рассылка #{ $id } запущена: { $total } получателей.
admin-broadcast-dropped = Рассылка отменена.
admin-broadcast-progress = 📣 Рассылка #{ $id }: { $done } / { $total } (отправлено { $sent }, заблокировали { $blocked }, ошибок { $failed })
admin-broadcast-done = ✅ Рассылка #{ $id } завершена: { $total } получателей, отправлено { $sent }, заблокировали { $blocked }, ошибок { $failed }.
admin-topup-method = { $method ->
    [stars] ⭐ звёзды
    [yookassa] 💳 карта / СБП
    [manual] 🏦 банковский перевод
    [other] без заказа
   *[unknown] { $method }
}
admin-btn-models = 🧩 Модели
admin-models-title =
    🧩 Модели: включено { $on }, выключено { $off }. Нажмите на модель, чтобы выключить или включить её.
    Фиксированная цена для всех вариантов: /model_price ID РУБЛИ (или /model_price ID reset). По id: /model_off ID, /model_on ID.
admin-model-line-on = ✅ { $model } · { $price }
admin-model-line-off = ⛔ { $model } · { $price }
admin-model-price-range = { $low }–{ $high }
admin-model-price-fixed = { $price } (фикс.)
admin-model-free = бесплатно
admin-model-usage-switch = Формат: /model_off ID или /model_on ID (id — в /admin → 🧩 Модели).
admin-model-usage-price = Формат: /model_price ID РУБЛИ (например, 149.90) или /model_price ID reset.
admin-model-unknown = Нет модели «{ $id }». Список id — в /admin → 🧩 Модели.
admin-model-off-done = ⛔ { $id } выключена: пользователи её не видят и не могут запустить.
admin-model-on-done = ✅ { $id } включена: пользователи её видят и могут запустить.
admin-model-price-done = 💰 { $id } теперь стоит { $price } за любой вариант.
admin-model-price-reset = 💰 У { $id } снова цена по каталогу: { $price }.
admin-model-price-free = { $id } — бесплатная модель, её цену нельзя задать.
admin-model-price-limits = Фиксированная цена — от 1 ₽ до { $max }.

# Пополнение картой или через СБП (ЮKassa).
topup-card = 💳 Картой / СБП
cardpay-title = 💳 Пополнение банковской картой или через СБП (платёжная страница ЮKassa).
    Выберите сумму или укажите свою: от { $min } до { $max }.
cardpay-custom = ✏️ Другая сумма
cardpay-ask-amount = Сколько пополнить? Пришлите сумму в рублях от { $min } до { $max }, например 750.
cardpay-bad-amount = Это не сумма от { $min } до { $max }. Пришлите число рублей, например 750, или /cancel.
cardpay-ask-contact = 🧾 По закону (54-ФЗ) за оплату выдаётся чек. Пришлите email или номер телефона, куда его отправить. Мы его запомним — вводить нужно только один раз.
cardpay-bad-contact = Это не похоже ни на email, ни на номер телефона. Пришлите, например, name@example.com или +7 912 345-67-89, или /cancel.
cardpay-link = 💳 Пополнение на { $rub }: нажмите кнопку ниже и оплатите картой или через СБП на странице ЮKassa.
    🧾 Чек придёт на { $contact }.
    Баланс пополнится, как только ЮKassa подтвердит оплату.
cardpay-pay = Оплатить { $rub }
cardpay-change-contact = ✉️ Другой email / телефон
cardpay-unavailable = ⚠️ Платёжный сервис (ЮKassa) сейчас недоступен. Деньги не списаны, заказ отменён. Попробуйте через несколько минут или пополните звёздами Telegram.
cardpay-paid = ✅ Оплата картой получена: зачислено { $credited }.
    💰 Баланс: { $balance }
cardpay-cancelled = ❌ Оплата картой на { $rub } отменена, деньги не списаны. Новую можно начать через /topup.
refund-card-done = ↩️ Заказ №{ $order } возвращён: { $rub } возвращается на карту пользователя, с баланса списано { $debited } (осталось { $balance }).
refund-card-pending = ⏳ ЮKassa приняла возврат заказа №{ $order } ({ $rub }) и ещё возвращает деньги. Баланс изменится, и пользователь узнает об этом, когда ЮKassa подтвердит возврат; /refund { $order } ещё раз проверит его сейчас.
refund-card-cancelled = ❌ ЮKassa отменила возврат заказа №{ $order } ({ $detail }): деньги не вернулись, баланс не изменился. Сутки ЮKassa будет отвечать на возврат этого заказа так же; потом /refund { $order } попробует снова, или сделайте возврат в личном кабинете ЮKassa (бот его учтёт).
refund-card-refused = ❌ ЮKassa отказала в возврате заказа №{ $order }: { $detail }. Ничего не изменилось.
refund-card-unreachable = ⚠️ Не удалось обратиться к ЮKassa за возвратом заказа №{ $order } ({ $detail }). Ничего не изменилось; повторите /refund { $order } позже: дважды деньги не вернутся.
refund-card-user = ↩️ Вам на карту возвращено { $rub }; с баланса списано { $debited } (осталось { $balance }).
payment-method-yookassa = 💳 карта / СБП
