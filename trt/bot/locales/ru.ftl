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
entry-debit = списание

help-text = Как это работает:
    1. Выберите модель в меню.
    2. Заполните поля — кнопками или сообщением.
    3. Подтвердите цену — результат придёт в этот чат.
    Команды: /start — меню, /balance — баланс, /lang — язык, /cancel — отменить ввод, /help — помощь.
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
