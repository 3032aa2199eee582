"""Every write of the perks app, one function per use case (see STYLE.md)."""
