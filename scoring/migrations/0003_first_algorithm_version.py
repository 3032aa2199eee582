from django.db import migrations

V1_PARAMETERS = {
    "kind_weights": [3.0, 2.0, 2.0, 1.0, 1.0],
    "half_life_days": 30.0,
    "window_days": 90.0,
    "pair_cap": 6.0,
    "burst_cap": 10.0,
    "base_influence": 1.0,
    "damping": 0.15,
    "iterations": 12,
    "component_weights": [1.0, 1.0, 1.0],
}


def create_v1(apps, schema_editor):
    AlgorithmVersion = apps.get_model("scoring", "AlgorithmVersion")
    AlgorithmVersion.objects.get_or_create(
        name="v1",
        defaults={
            "description": (
                "True Reach, Amplification and Network Impact over 90 days, half-life 30 days; "
                "shares weigh 3, replies and comments 2, mentions and likes 1; one person's "
                "actions on one member saturate at 6, nameless actions per minute at 10."
            ),
            "parameters": V1_PARAMETERS,
            "is_active": True,
        },
    )


class Migration(migrations.Migration):
    dependencies = [("scoring", "0002_scores")]
    operations = [migrations.RunPython(create_v1, migrations.RunPython.noop)]
