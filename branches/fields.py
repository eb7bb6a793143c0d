"""PostgreSQL ltree column with the lookups the tree needs."""

from django.db import models


class LtreeField(models.TextField):
    """An `ltree` path such as `1.12.345` (organisation ids from the root)."""

    description = "PostgreSQL ltree path"

    def db_type(self, connection):
        return "ltree"

    def get_placeholder(self, value, compiler, connection):
        return "%s::ltree"


@LtreeField.register_lookup
class DescendantOf(models.Lookup):
    """`path__descendant_of=p`: the node p itself and everything below it."""

    lookup_name = "descendant_of"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} <@ {rhs}::ltree", [*lhs_params, *rhs_params]


@LtreeField.register_lookup
class AncestorOf(models.Lookup):
    """`path__ancestor_of=p`: the node p itself and everything above it."""

    lookup_name = "ancestor_of"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} @> {rhs}::ltree", [*lhs_params, *rhs_params]
