"""Edits mirroring the ``ccs`` tool (filled in below)."""


class EditsMixin:
    pass
