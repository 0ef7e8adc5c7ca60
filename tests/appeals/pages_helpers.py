"""Shared bits of the appeal page tests: signed-in clients, images and the submit form."""

import io
import uuid

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def image_file(name="photo.jpg", fmt="JPEG", size=(32, 24)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(out, format=fmt)
    return SimpleUploadedFile(name, out.getvalue(), content_type=f"image/{fmt.lower()}")


def form(area, **overrides) -> dict:
    data = {
        "token": uuid.uuid4().hex,
        "description": "小区东门路灯坏了，晚上很黑",
        "category": "",
        "lat": str(area.point_lat),
        "lng": str(area.point_lng),
        "address": "东门",
        "contact_name": "",
        "contact_phone": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}
