"""reportgen: 预算绩效自评表与决算公开 from one YAML file of raw figures.

The pipeline (see DESIGN.md): load → validate → check → derive → score →
narrate → render.  Each stage is one module; only ``load`` and ``render``
touch files and only ``cli`` prints.
"""

__version__ = "0.1.0"
