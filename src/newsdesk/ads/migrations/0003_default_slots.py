"""The four slots the site's templates and newsletter know; the desk sets their rates."""

from django.db import migrations

SLOTS = [
    ("leaderboard", "Header leaderboard", 728, 90,
     "Across the top of every page, under the masthead.", None),
    ("sidebar", "Sidebar", 300, 250, "Beside the list of latest news and region pages.", None),
    ("in_article", "In article", 300, 250, "Inside each article, after the third paragraph.", 3),
    ("newsletter", "Newsletter banner", 600, 200,
     "In the newsletter, after the first story.", None),
]


def add_slots(apps, schema_editor):
    Slot = apps.get_model("ads", "Slot")
    for position, (code, name, width, height, placement, after) in enumerate(SLOTS):
        Slot.objects.get_or_create(code=code, defaults={
            "name": name, "width": width, "height": height, "placement": placement,
            "after_paragraph": after, "position": position})


def remove_slots(apps, schema_editor):
    apps.get_model("ads", "Slot").objects.filter(code__in=[s[0] for s in SLOTS]).delete()


class Migration(migrations.Migration):
    dependencies = [("ads", "0002_advertising")]
    operations = [migrations.RunPython(add_slots, remove_slots)]
