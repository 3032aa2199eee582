"""Version v2-rules: v1 with the rules "rings" and "accounts created together". Created
inactive: staff shadow-run it, read the migration report and switch to it in the admin; v1's
scores and behaviour stay as they were."""

from django.db import migrations

V2_PARAMETERS = {
    "kind_weights": [3.0, 2.0, 2.0, 1.0, 1.0],
    "half_life_days": 30.0,
    "window_days": 90.0,
    "pair_cap": 6.0,
    "burst_cap": 10.0,
    "ring_min_size": 5,
    "ring_share": 0.95,
    "created_together_as_one": True,
    "base_influence": 1.0,
    "damping": 0.15,
    "iterations": 12,
    "component_weights": [1.0, 1.0, 1.0],
    "topic_min_posts": 2,
    "topic_min_people": 3,
}


def create_v2_rules(apps, schema_editor):
    AlgorithmVersion = apps.get_model("scoring", "AlgorithmVersion")
    AlgorithmVersion.objects.get_or_create(
        name="v2-rules",
        defaults={
            "description": (
                "v1 plus two rules. Rings: accounts that give and get at least 95% of their "
                "engagement inside a group of at least 5 others (the member they act on left "
                "out) do not count for that member, in the score or any topic. Accounts "
                "created together: people not scored here whose accounts were created in the "
                "same minute on the same network count as one person."
            ),
            "parameters": V2_PARAMETERS,
            "is_active": False,
        },
    )


class Migration(migrations.Migration):
    dependencies = [("scoring", "0011_change_attribution")]
    operations = [migrations.RunPython(create_v2_rules, migrations.RunPython.noop)]
