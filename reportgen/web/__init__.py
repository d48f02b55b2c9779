"""``reportgen serve``: the web workbench (工作台) where a finance bureau
(财政局) runs the year's evaluation round with its budget units.

A Django project kept out of the CLI's import path: nothing under
``reportgen/`` imports this package except ``reportgen serve``, which does so
lazily, so ``reportgen render`` neither needs nor loads Django.  Install it
with ``pip install "reportgen[web]"``.

Modules: ``settings`` (data folder, database URL), ``models`` (rounds,
units, comments, the action log, the job table), ``engine`` (the only place
that calls reportgen's engine), ``jobs`` (work outside the request),
``views_*`` (pages by role), ``serve`` (setup and the waitress server).
"""
