"""The project's admin registrations, made after every app's own (klout is listed last)."""

import klout.account.admin  # noqa: F401 - registers the account-wide admins
