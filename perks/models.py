"""Perks, inventory, codes and claims arrive with the perks issue."""
