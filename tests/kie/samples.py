"""KIE payloads as REFERENCE.md documents them (§2, §3.4, §4, §5), quirks included."""

import json

MARKET_PARAM_INPUT_OBJECT = json.dumps(
    {
        "model": "grok-imagine/text-to-image",
        "callBackUrl": "https://your-domain.com/api/callback",
        "input": {"prompt": "Cinematic portrait...", "aspect_ratio": "3:2"},
    }
)
MARKET_PARAM_INPUT_STRING = json.dumps(
    {
        "input": json.dumps({"duration": 5, "prompt": "a cat"}),
        "callBackUrl": "https://example.com/cb",
        "model": "wan/3-0-video-prime",
    }
)

MARKET_RECORD_SUCCESS = {
    "taskId": "task_12345678",
    "model": "grok-imagine/text-to-image",
    "state": "success",
    "param": MARKET_PARAM_INPUT_OBJECT,
    "resultJson": '{"resultUrls":["https://example.com/generated-content.jpg"]}',
    "failCode": "",
    "failMsg": "",
    "costTime": 15000,
    "completeTime": 1698765432000,
    "createTime": 1698765400000,
    "updateTime": 1698765432000,
}

MARKET_RECORD_FAIL = {
    "taskId": "task_12345678",
    "model": "grok-imagine/text-to-image",
    "state": "fail",
    "param": MARKET_PARAM_INPUT_OBJECT,
    "resultJson": "",
    "failCode": "422",
    "failMsg": "Invalid prompt: prompt contains prohibited content",
}

MARKET_CALLBACK_SUCCESS = {
    "code": 200,
    "msg": "Playground task completed successfully.",
    "data": {
        "taskId": "bd8f4b1a52048d0f17a38b49591abfa1",
        "model": "wan/3-0-video-prime",
        "state": "success",
        "param": MARKET_PARAM_INPUT_STRING,
        "resultJson": json.dumps(
            {
                "resultUrls": [
                    "https://tempfile.aiquickdraw.com/wan30-video-prime-alibaba/"
                    "1787567408129-b1fmz5um3co.mp4"
                ]
            }
        ),
        "costTime": 89,
        "completeTime": 1787567409000,
        "createTime": 1787567320000,
        "updateTime": 1787567409000,
        "creditsConsumed": 61,
    },
}

MARKET_CALLBACK_FAIL = {
    "code": 501,
    "msg": "Playground task failed.",
    "data": {
        "taskId": "e989621f54392584b05867f87b160672",
        "model": "bytedance/seedream-v4-text-to-image",
        "state": "fail",
        "param": MARKET_PARAM_INPUT_STRING,
        "failCode": "500",
        "failMsg": "Internal server error",
        "resultJson": None,
        "costTime": 8,
        "creditsConsumed": 0,
    },
}

VEO_CALLBACK_SUCCESS = {
    "code": 200,
    "msg": "Veo3.1 video generated successfully.",
    "data": {
        "taskId": "veo_task_abcdef123456",
        "promptJson": '{"aspectRatio":"16:9","model":"veo3_fast","prompt":"cat"}',
        "info": {
            "resultUrls": ["http://example.com/video1.mp4"],
            "originUrls": ["http://example.com/original_video1.mp4"],
            "resolution": "1080p",
        },
        "fallbackFlag": False,
    },
}

VEO_CALLBACK_FAIL = {
    "code": 400,
    "msg": "Your prompt was flagged by Website as violating content policies.",
    "data": {"taskId": "veo_task_flagged", "fallbackFlag": False},
}

VEO_4K_CALLBACK = {
    "code": 200,
    "msg": "4K Video generated successfully.",
    "data": {
        "taskId": "veo_4k_task",
        "info": {"resultUrls": ["http://example.com/4k.mp4"], "imageUrls": ["http://x/a.jpg"]},
    },
}

SUNO_TRACKS_SNAKE: list[dict[str, object]] = [
    {
        "id": "e231-track-1",
        "audio_url": "https://example.cn/track1.mp3",
        "stream_audio_url": "https://example.cn/stream1",
        "image_url": "https://example.cn/cover1.jpeg",
        "prompt": "[Verse] ...",
        "model_name": "chirp-v3-5",
        "title": "Iron Man",
        "tags": "electrifying, rock",
        "createTime": "2025-01-01 00:00:00",
        "duration": 198.44,
    },
    {
        "id": "e231-track-2",
        "audio_url": "https://example.cn/track2.mp3",
        "title": "Iron Man (take 2)",
    },
]


def suno_callback(callback_type: str, tracks: object, code: int = 200) -> dict[str, object]:
    return {
        "code": code,
        "msg": "All generated successfully." if code == 200 else "Audio generation failed",
        "data": {"callbackType": callback_type, "task_id": "2fac9f72", "data": tracks},
    }


SUNO_FIRST_TRACKS = [
    {**SUNO_TRACKS_SNAKE[0], "createTime": 1735689600000},
    {"id": "e231-track-2", "audio_url": "", "stream_audio_url": "https://example.cn/stream2"},
]

RUNWAY_CALLBACK = {
    "code": 200,
    "msg": "All generated successfully.",
    "data": {
        "task_id": "ee603959-debb-48d1-98c4-a6d1c717eba6",
        "video_id": "485da89c-7fca-4340-8c04-101025b2ae71",
        "video_url": "https://file.com/k/xxxxxxx.mp4",
        "image_url": "https://file.com/m/xxxxxxxx.png",
    },
}

ALEPH_CALLBACK = {
    "code": 200,
    "msg": "success",
    "data": {"result_video_url": "https://x/v.mp4", "result_image_url": "https://x/i.png"},
    "taskId": "ee603959-aleph",
}

ALEPH_CALLBACK_FAIL = {"code": 400, "msg": "flagged", "data": None, "taskId": "aleph-failed"}


FLUX_KONTEXT_CALLBACK = {
    "code": 200,
    "msg": "BFL image generated successfully.",
    "data": {
        "taskId": "task12345",
        "info": {"originImageUrl": "https://x/o.png", "resultImageUrl": "https://x/r.png"},
    },
}
GPT4O_CALLBACK = {
    "code": 200,
    "msg": "success",
    "data": {"taskId": "task4o", "info": {"result_urls": ["https://example.com/result/1.png"]}},
}
MJ_CALLBACK = {
    "code": 200,
    "msg": "success",
    "data": {
        "taskId": "mj_task_12345",
        "promptJson": '{"prompt":"cat"}',
        "resultUrls": [f"https://x/mj_result{n}.png" for n in range(1, 5)],
    },
}


def veo_record(flag: object, response: object = None, **extra: object) -> dict[str, object]:
    record: dict[str, object] = {
        "taskId": "veo_task_abcdef123456",
        "paramJson": '{"model":"veo3_fast","prompt":"cat"}',
        "successFlag": flag,
        "response": response,
        "errorCode": None,
        "errorMessage": "",
    }
    record.update(extra)
    return record


def suno_record(status: str, tracks: object = None, **extra: object) -> dict[str, object]:
    record: dict[str, object] = {
        "taskId": "5c79be8e",
        "param": '{"prompt":"a song","model":"V4_5","customMode":false}',
        "response": {"taskId": "5c79be8e", "sunoData": tracks},
        "status": status,
        "type": "GENERATE",
        "errorCode": None,
        "errorMessage": None,
    }
    record.update(extra)
    return record


SUNO_RECORD_TRACKS = [
    {
        "id": "8551-track-1",
        "audioUrl": "https://example.cn/one.mp3",
        "streamAudioUrl": "https://example.cn/one-stream",
        "imageUrl": "https://example.cn/one.jpeg",
        "prompt": "[Verse] Night city lights",
        "modelName": "chirp-v3-5",
        "title": "Night City",
        "tags": "pop",
        "createTime": "2025-01-01 00:00:00",
        "duration": 198.44,
    },
    {"id": "8551-track-2", "audioUrl": "https://example.cn/two.mp3", "title": "Night City II"},
]

UPLOAD_ANSWER_ENDPOINT_PAGE = {
    "success": True,
    "code": 200,
    "msg": "File uploaded successfully",
    "data": {
        "fileName": "uploaded-image.png",
        "filePath": "images/user-uploads/uploaded-image.png",
        "downloadUrl": "https://tempfile.redpandaai.co/xxx/images/user-uploads/uploaded-image.png",
        "fileSize": 154832,
        "mimeType": "image/png",
        "uploadedAt": "2025-01-01T12:00:00.000Z",
    },
}

UPLOAD_ANSWER_QUICKSTART = {
    "success": True,
    "code": 200,
    "msg": "File uploaded successfully",
    "data": {
        "fileId": "file_abc123",
        "fileName": "photo.jpg",
        "originalName": "photo.jpg",
        "fileSize": 2048,
        "mimeType": "image/jpeg",
        "uploadPath": "trt/inputs",
        "fileUrl": "https://tempfile.redpandaai.co/trt/inputs/photo.jpg",
        "uploadTime": "2025-01-01T12:00:00.000Z",
        "expiresAt": "2025-01-04T12:00:00.000Z",
    },
}
