"""The theme that ships with OpenAffairs, installed as ``generator._theme``.

Not Python: this file only makes the folder a package so that the theme
travels inside the wheel and is read through ``importlib.resources``.  A
site's own ``theme/`` folder overrides single files of it (see
``generator.site.assemble_theme``).
"""
