"""Built-in template packs (data only: pack.yaml, rubrics, sentences, .docx).

Installed as ``reportgen.templates``; each sub-folder is one pack.  No pack
contains Python — this file only makes the folder installable.
"""
