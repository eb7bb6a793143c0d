import pghistory
import pgtrigger
from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateRangeField, RangeOperators
from django.contrib.postgres.indexes import GistIndex
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Func, Q, Value
from django.utils.translation import gettext_lazy as _
from guardian.models import UserObjectPermission

from .fields import LtreeField
from .scoping import ScopedQuerySet


class User(AbstractUser):
    """A login. Chinese names are not split into given and family name."""

    first_name = None
    last_name = None
    name = models.CharField(_("name"), max_length=64, blank=True)

    REQUIRED_FIELDS = ["email"]

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    def __str__(self) -> str:
        return self.name or self.username

    def get_full_name(self) -> str:
        return self.name or self.username

    def get_short_name(self) -> str:
        return self.name or self.username


class OrgKind(models.TextChoices):
    LOCAL_COMMITTEE = "local_committee", _("Local party committee")
    DEPARTMENT_GROUP = "department_group", _("Department party group")
    DEPARTMENT_COMMITTEE = "department_committee", _("Department party committee")
    GRASSROOTS_COMMITTEE = "grassroots_committee", _("Grassroots party committee")
    GENERAL_BRANCH = "general_branch", _("General party branch")
    BRANCH = "branch", _("Party branch")


class OrgLevel(models.TextChoices):
    CENTRAL = "central", _("Central")
    PROVINCE = "province", _("Province")
    CITY = "city", _("City")
    COUNTY = "county", _("County")
    TOWNSHIP = "township", _("Township or street")
    VILLAGE = "village", _("Village or community")
    UNIT = "unit", _("Unit")


class Sector(models.TextChoices):
    GOVERNMENT = "government", _("Government organ")
    STATE_ENTERPRISE = "state_enterprise", _("State-owned enterprise")
    PUBLIC_INSTITUTION = "public_institution", _("Public institution")
    RURAL = "rural", _("Rural")
    COMMUNITY = "community", _("Street and community")
    PRIVATE_ENTERPRISE = "private_enterprise", _("Non-public enterprise")
    SOCIAL_ORGANISATION = "social_organisation", _("Social organisation")
    OTHER = "other", _("Other")


# Sectors whose members must have 12 days of collective education a year
# (document 1, 三（四）); all others 6.
CADRE_SECTORS = frozenset({Sector.GOVERNMENT, Sector.STATE_ENTERPRISE, Sector.PUBLIC_INSTITUTION})

# The path is kept by the database, in one place: these two triggers. A new
# or re-parented row gets its parent's path plus its own id; a move rewrites
# the whole subtree in the same statement's transaction. A move under the
# node's own subtree is refused here as a last line (the service refuses it
# first, with a friendlier message).
PATH_TRIGGER_SQL = """
DECLARE
  parent_path ltree;
  parent_province bigint;
BEGIN
  -- Serialise with the services' tree lock, whoever writes.
  IF TG_OP = 'UPDATE' THEN
    PERFORM pg_advisory_xact_lock(1953654117);
  ELSE
    PERFORM pg_advisory_xact_lock_shared(1953654117);
  END IF;
  IF NEW.parent_id IS NULL THEN
    NEW.path := text2ltree(NEW.id::text);
    parent_province := NULL;
  ELSE
    SELECT path, province_id INTO parent_path, parent_province
      FROM {meta.db_table} WHERE id = NEW.parent_id;
    IF parent_path ~ ('*.' || NEW.id::text || '.*')::lquery THEN
      RAISE EXCEPTION 'organisation % cannot be placed under its own subtree', NEW.id
        USING ERRCODE = 'check_violation';
    END IF;
    NEW.path := parent_path || text2ltree(NEW.id::text);
  END IF;
  NEW.depth := nlevel(NEW.path) - 1;
  -- The tenant root is the highest province-level node on the path.
  NEW.province_id := COALESCE(parent_province, CASE WHEN NEW.level = 'province' THEN NEW.id END);
  RETURN NEW;
END;
"""

SUBTREE_TRIGGER_SQL = """
BEGIN
  UPDATE {meta.db_table} AS t
     SET path = moved.new_path,
         depth = nlevel(moved.new_path) - 1,
         -- the highest province-level node on the new path (ids and levels
         -- do not change in this statement, so they can be read from it)
         province_id = (
           SELECT p.id FROM {meta.db_table} p
            WHERE p.level = 'province' AND p.id = ANY (moved.ids)
            ORDER BY array_position(moved.ids, p.id)
            LIMIT 1)
    FROM (SELECT id, new_path, string_to_array(ltree2text(new_path), '.')::bigint[] AS ids
            FROM (SELECT id, NEW.path || subpath(path, nlevel(OLD.path)) AS new_path
                    FROM {meta.db_table}
                   WHERE path <@ OLD.path AND id <> NEW.id) AS below) AS moved
   WHERE t.id = moved.id;
  RETURN NULL;
END;
"""


class OrganizationQuerySet(ScopedQuerySet):
    def alive(self, on=None):
        if on is None:
            return self.filter(dissolved__isnull=True)
        return self.filter(Q(dissolved__isnull=True) | Q(dissolved__gt=on))

    def within(self, organization):
        return self.filter(path__descendant_of=organization.path)


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    exclude=["path", "depth", "province", "updated_at"],
)
class Organization(models.Model):
    """A party organisation; `parent` is the leadership edge (隶属关系)."""

    name = models.CharField(_("name"), max_length=200)
    code = models.CharField(
        _("organisation code"),
        max_length=32,
        unique=True,
        validators=[
            RegexValidator(
                r"^[A-Za-z0-9][A-Za-z0-9-]*$",
                _("Use letters, digits and '-' only, starting with a letter or digit."),
            )
        ],
        help_text=_("Unique code of the organisation, letters, digits and '-'."),
    )
    kind = models.CharField(_("kind"), max_length=32, choices=OrgKind.choices)
    is_mobile_org = models.BooleanField(
        _("mobile-member organisation"),
        default=False,
        help_text=_("An organisation set up for mobile (floating) members."),
    )
    level = models.CharField(_("administrative level"), max_length=16, choices=OrgLevel.choices)
    sector = models.CharField(_("sector"), max_length=32, choices=Sector.choices)
    established = models.DateField(_("established"), null=True, blank=True)
    dissolved = models.DateField(_("dissolved"), null=True, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("led by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    path = LtreeField(editable=False, default="")
    depth = models.PositiveSmallIntegerField(editable=False, default=0)
    # The tenant root: the highest province-level organisation on the path.
    province = models.ForeignKey(
        "self",
        verbose_name=_("province"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        db_index=True,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrganizationQuerySet.as_manager()
    scope_field = ""  # an organisation is its own scope

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["path"]
        indexes = [
            GistIndex(fields=["path"], name="org_path_gist"),
            models.Index(fields=["path"], name="org_path_btree"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(dissolved__isnull=True)
                | Q(established__isnull=True)
                | Q(dissolved__gte=F("established")),
                name="org_dissolved_after_established",
            ),
            models.CheckConstraint(condition=~Q(parent=F("id")), name="org_not_own_parent"),
            models.UniqueConstraint(
                fields=["parent", "name"],
                condition=Q(dissolved__isnull=True),
                name="org_unique_live_name_per_parent",
            ),
        ]
        triggers = [
            pgtrigger.Trigger(
                name="org_path",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert | pgtrigger.UpdateOf("parent_id", "level"),
                func=pgtrigger.Func(PATH_TRIGGER_SQL),
            ),
            pgtrigger.Trigger(
                name="org_subtree_path",
                when=pgtrigger.After,
                operation=pgtrigger.UpdateOf("parent_id", "level"),
                # Compared as text: pg_restore runs with an empty search_path,
                # where the ltree operators of the public schema are not found.
                condition=pgtrigger.Condition(
                    "OLD.path::text IS DISTINCT FROM NEW.path::text"
                    " OR OLD.province_id IS DISTINCT FROM NEW.province_id"
                ),
                func=pgtrigger.Func(SUBTREE_TRIGGER_SQL),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        # path, depth and province are set by the database trigger.
        self.refresh_from_db(fields=["path", "depth", "province"])

    @classmethod
    def scope_self_q(cls, user, scope) -> Q:
        """A member sees the page of their own organisation."""
        return Q(pk__in=scope.own_org_ids)

    @property
    def ancestor_ids(self) -> list[int]:
        return [int(label) for label in self.path.split(".")[:-1]] if self.path else []

    @property
    def is_alive(self) -> bool:
        return self.dissolved is None

    @property
    def requires_12_days(self) -> bool:
        return self.sector in CADRE_SECTORS


class GuidanceBasis(models.TextChoices):
    # 组织关系属地管理、业务工作垂直管理: the local committee leads, the
    # department party group/committee guides.
    TERRITORIAL = "territorial", _("Party relations local, business vertical")
    # 党的组织关系和业务工作都实行垂直管理: the department committee leads,
    # the local committee guides.
    VERTICAL = "vertical", _("Party relations and business both vertical")


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class GuidanceEdge(models.Model):
    """A guidance relation (指导关系) beside the leadership edge (document 4, 二（一）)."""

    guide = models.ForeignKey(
        Organization,
        verbose_name=_("guiding organisation"),
        on_delete=models.CASCADE,
        related_name="guides",
    )
    guided = models.ForeignKey(
        Organization,
        verbose_name=_("guided organisation"),
        on_delete=models.CASCADE,
        related_name="guided_by",
    )
    basis = models.CharField(_("basis"), max_length=16, choices=GuidanceBasis.choices)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_field = "guided"

    class Meta:
        verbose_name = _("guidance relation")
        verbose_name_plural = _("guidance relations")
        constraints = [
            models.CheckConstraint(condition=~Q(guide=F("guided")), name="guidance_not_self"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="guidance_valid_period",
            ),
            models.UniqueConstraint(
                fields=["guide", "guided", "valid_from"], name="guidance_unique_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.guide} → {self.guided}"


class DateRange(Func):
    function = "DATERANGE"
    output_field = DateRangeField()


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class PolicyOverride(models.Model):
    """A policy figure set on an organisation for its subtree and a period."""

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="policy_overrides",
    )
    key = models.CharField(_("policy"), max_length=64)
    value = models.JSONField(_("value"))
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(
        _("valid to"), null=True, blank=True, help_text=_("Last day in force; empty: open.")
    )
    note = models.CharField(_("basis or document"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("policy override")
        verbose_name_plural = _("policy overrides")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="policy_valid_period",
            ),
            ExclusionConstraint(
                name="policy_no_overlap",
                expressions=[
                    ("organization", RangeOperators.EQUAL),
                    ("key", RangeOperators.EQUAL),
                    (
                        DateRange("valid_from", "valid_to", Value("[]")),
                        RangeOperators.OVERLAPS,
                    ),
                ],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization}: {self.key} = {self.value}"

    @property
    def label(self) -> str:
        from .policies import POLICIES

        policy = POLICIES.get(self.key)
        return str(policy.label) if policy else self.key


class Role(models.TextChoices):
    SECRETARY = "secretary", _("Branch secretary")
    DEPUTY = "deputy", _("Deputy secretary")
    ORG_STAFF = "org_staff", _("Organization department staff")
    INSPECTOR = "inspector", _("Provincial inspector")
    MEMBER = "member", _("Party member")
    SYSADMIN = "sysadmin", _("System administrator")


class RoleAssignmentQuerySet(ScopedQuerySet):
    def active(self, on=None):
        from django.utils import timezone

        on = on or timezone.localdate()
        return self.filter(valid_from__lte=on).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=on)
        )


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class RoleAssignment(models.Model):
    """A user's role on an organisation; it reaches the whole subtree."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="role_assignments",
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="role_assignments",
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(
        _("valid to"), null=True, blank=True, help_text=_("Last day in force; empty: open.")
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("granted by"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RoleAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        ordering = ["organization__path", "role", "user__username"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="role_valid_period",
            ),
            ExclusionConstraint(
                name="role_no_overlap",
                expressions=[
                    ("user", RangeOperators.EQUAL),
                    ("role", RangeOperators.EQUAL),
                    ("organization", RangeOperators.EQUAL),
                    (
                        DateRange("valid_from", "valid_to", Value("[]")),
                        RangeOperators.OVERLAPS,
                    ),
                ],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.organization}"


class GrantExpiry(models.Model):
    """When a workflow's object permission (django-guardian) stops counting."""

    permission = models.OneToOneField(
        UserObjectPermission, on_delete=models.CASCADE, related_name="expiry"
    )
    expires_at = models.DateTimeField(db_index=True)
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("grant expiry")
        verbose_name_plural = _("grant expiries")

    def __str__(self) -> str:
        return f"{self.permission} until {self.expires_at:%Y-%m-%d %H:%M}"


class CycleRun(models.Model):
    """One run of a periodic cycle for one organisation (DESIGN.md, "Cycles").

    Keyed by (cycle, period, organisation): a second run of the same period
    finds the row and changes nothing.
    """

    cycle = models.CharField(max_length=48)
    period = models.CharField(max_length=16, help_text=_("e.g. 2026, 2026-11 or 2026-11-30"))
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.JSONField(default=dict, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_field = "organization"

    class Meta:
        verbose_name = _("cycle run")
        verbose_name_plural = _("cycle runs")
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "period", "organization"], name="cycle_run_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cycle} {self.period} {self.organization_id}"


class ReminderKind(models.TextChoices):
    PARTY_SCHOOL_DUE = "party_school_due", _("Party-school rotation falls due")
    PARTY_SCHOOL_OVERDUE = "party_school_overdue", _("Party-school rotation overdue")
    LEADER_LECTURE = "leader_lecture", _("Leader has not given this year's party lecture")
    CAMPAIGN_OPEN = "campaign_open", _("Review campaign opened")
    CAMPAIGN_INCOMPLETE = "campaign_incomplete", _("Review campaign closed incomplete")
    CERTIFICATE_REVIEW = (
        "certificate_review",
        _("Mobile member certificate due for its yearly review"),
    )
    CASE_OVERDUE = "case_overdue", _("Feedback on a case of the public is overdue")
    RESEARCH_SHORT = "research_short", _("Leader short of this year's research days")
    COMMITMENT_MISSING = "commitment_missing", _("Members without a commitment this year")
    RECTIFICATION_OVERDUE = "rectification_overdue", _("Rectification order past its deadline")
    WRITTEN_REPORT_OVERDUE = (
        "written_report_overdue",
        _("Annual written report not submitted by its deadline"),
    )
    SPOT_CHECK_MISSING = "spot_check_missing", _("No random spot-check drawn this year")


class Reminder(models.Model):
    """Something an organisation must act on by a date, raised by a cycle.

    `key` makes raising the same reminder twice a no-op.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=32, choices=ReminderKind.choices)
    due_on = models.DateField(_("due on"))
    key = models.CharField(max_length=120, unique=True)
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_field = "organization"

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["due_on"]
        indexes = [models.Index(fields=["organization", "resolved_at"], name="reminder_org_open")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.due_on}"


class ExportRecord(models.Model):
    """Append-only: who exported which list, from where, and how many rows.

    Written by config.exports for every .xlsx export; a database trigger
    refuses updates and deletes (only a deleted organisation may clear its
    link, so the record outlives it).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("user"),
    )
    at = models.DateTimeField(_("exported at"), auto_now_add=True, db_index=True)
    what = models.CharField(_("what"), max_length=64)
    path = models.CharField(_("page address"), max_length=2000)
    organization = models.ForeignKey(
        Organization,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organisation"),
    )
    row_count = models.PositiveIntegerField(_("rows"))

    objects = ScopedQuerySet.as_manager()
    scope_field = "organization"

    class Meta:
        verbose_name = _("export record")
        verbose_name_plural = _("export records")
        ordering = ["-at"]
        indexes = [models.Index(fields=["user", "at"], name="export_record_user_at")]
        triggers = [
            pgtrigger.Protect(
                name="export_record_no_delete",
                operation=pgtrigger.Delete,
            ),
            # Only ON DELETE SET NULL of the organisation may touch a record.
            pgtrigger.Protect(
                name="export_record_no_update",
                operation=pgtrigger.Update,
                condition=pgtrigger.Condition(
                    "NOT (NEW.organization_id IS NULL AND OLD.organization_id IS NOT NULL"
                    " AND NEW.user_id = OLD.user_id AND NEW.at = OLD.at"
                    " AND NEW.what = OLD.what AND NEW.path = OLD.path"
                    " AND NEW.row_count = OLD.row_count)"
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.what} {self.row_count} {self.at:%Y-%m-%d %H:%M}"


class OutboxTask(models.Model):
    """A Celery task that could not be sent (the broker was down), kept in the
    database and sent by `config.outbox.dispatch` once the broker is back."""

    name = models.CharField(max_length=200)
    args = models.JSONField(default=list, blank=True)
    kwargs = models.JSONField(default=dict, blank=True)
    options = models.JSONField(default=dict, blank=True)  # task_id, queue
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = _("task waiting for the broker")
        verbose_name_plural = _("tasks waiting for the broker")
        ordering = ["pk"]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(sent_at__isnull=True),
                name="outbox_waiting",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}{tuple(self.args)}"
