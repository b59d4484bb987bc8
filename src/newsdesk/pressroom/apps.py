from django.apps import AppConfig


class PressroomConfig(AppConfig):
    name = "newsdesk.pressroom"
    verbose_name = "Press releases"
