"""The benchmark of `python manage.py benchmark` (issue 9): each section
measures one figure on the province-scale demo data, against hand-written
SQL where the issue asks for it, and never keeps what it wrote."""
