"""The yearly evaluation (成效评估): a region's figures for one year, as of a date, for the
region and each of its real sub-regions; publishing freezes them as a numbered version.

Every indicator is defined once, in ``DEFINITIONS`` (the page and the README print the same
words). Persons count by their household region (户籍地). The year Y and the date D (default:
31 December of Y, or today while Y is not over) fix:

- the cohort: graduates whose graduation year is Y (the employment intention's, else a
  graduated student record's: ``resolvers.destinations.cohort_of``);
- the destination in force on D: recorded on or before D and not superseded by D;
- the year's window: 1 January to 31 December of Y, or to D when D falls inside Y (cases,
  alerts).

Aggregates only, by SQL ``GROUP BY`` on a sub-region key computed from the household's region
code, so the number of statements does not depend on the number of persons or sub-regions
(five for the figures, one for the region and its sub-regions)."""

from __future__ import annotations

import calendar
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import ColumnElement, Select, String, and_, case, func, or_, select, type_coerce

from auth import rules
from models.alerts import Alert, AlertState
from models.destinations import EMPLOYED_KINDS, GraduateDestination
from models.evaluation import EvaluationSnapshot
from models.organisations import Organisation, Role
from models.people import EmploymentIntention, Household, Person, StudentRecord, StudentStatus
from models.regions import Region, within
from models.tracking import AssistanceCase, FollowUp
from resolvers.context import Context
from resolvers.outcomes import Outcome, attempt, reject, today
from resolvers.pagination import InvalidArgument
from resolvers.regions import SubRegionKey, level_of, real_sub_regions

STABLE_MONTHS = 6
UNKNOWN_OUTCOME = "unknown"  # cases closed before outcomes were typed

DEFINITIONS: tuple[tuple[str, str], ...] = (
    (
        "毕业生（届）",
        "毕业年份为评估年度的雨露计划毕业生人数（毕业年份取求职意向登记的毕业年份，"
        "没有求职意向的取已毕业学籍的预计毕业年份），按户籍地统计。",
    ),
    (
        "就业率",
        "截至统计日，当届毕业生中毕业去向为就业（联盟内就业、其他单位就业、灵活就业、"
        "自主创业、公益性岗位）的人数 ÷ 当届毕业生人数。统计日生效的去向：统计日当天或之前登记、"
        "且统计日之前未被新去向取代的那一条。",
    ),
    (
        "稳定就业率",
        "已就业人数中，截至统计日已连续在岗 6 个月及以上的人数所占比例。连续在岗：自最近一次"
        "非就业去向（待就业、暂不就业、升学、应征入伍）之后，各条就业去向的最早起始日期"
        "不晚于统计日前 6 个月；换工作时新旧工作之间没有登记非就业去向即视为没有间断。",
    ),
    (
        "月均收入",
        "已就业人员最近已知月收入的平均数（元，按人计）：取统计日当天或之前、当前去向起始日"
        "之后最近一次回访记录的月收入；没有回访收入的取去向登记的月收入；两者都没有的不计入。",
    ),
    (
        "就业地点（按人）",
        "已就业人员的工作地与户籍地比较：县内（工作地为户籍所在县）、省内县外（同省其他地区）、"
        "跨省（其他省份）；去向未登记工作地的单列为“未登记”。",
    ),
    (
        "新入学人数及增长",
        "入学年份为评估年度的雨露计划学籍数（含之后毕业或退学的），按户籍地统计；增长率 ="
        "（本年度 − 上年度）÷ 上年度。",
    ),
    (
        "帮扶档案",
        "评估年度内（1 月 1 日至 12 月 31 日；统计日在年内的，至统计日）新建的一对一帮扶档案数，"
        "以及同期结案的档案数"
        "（按帮扶结果分列），按帮扶对象户籍地统计。",
    ),
    (
        "就业风险预警",
        "评估年度内（同上）触发的预警数，以及同期处置的预警数：已建档帮扶"
        "（转为帮扶档案）和已排除（说明理由后关闭），按户籍所在县统计。",
    ),
)
"""(indicator, definition): the page and the README print these words."""


@dataclass
class Figures:
    """One region's counts for the year (every count is additive over sub-regions); the rates
    are derived from them."""

    code: str
    name: str
    cohort: int = 0
    employed: int = 0
    stable: int = 0
    income_total: int = 0
    income_known: int = 0
    in_county: int = 0
    in_province: int = 0
    cross_province: int = 0
    location_unknown: int = 0
    enrolled: int = 0
    enrolled_previous_year: int = 0
    cases_opened: int = 0
    cases_closed: int = 0
    closed_by_outcome: dict[str, int] = field(default_factory=dict)
    alerts_raised: int = 0
    alerts_handled: int = 0
    alerts_dismissed: int = 0

    def add(self, counts: dict[str, Any]) -> None:
        for name, value in counts.items():
            if name == "closed_by_outcome":
                for outcome, count in value.items():
                    self.closed_by_outcome[outcome] = self.closed_by_outcome.get(outcome, 0) + count
            else:
                setattr(self, name, getattr(self, name) + int(value or 0))

    @property
    def employment_rate(self) -> float | None:
        return self.employed / self.cohort if self.cohort else None

    @property
    def stability(self) -> float | None:
        return self.stable / self.employed if self.employed else None

    @property
    def average_monthly_income(self) -> int | None:
        return round(self.income_total / self.income_known) if self.income_known else None

    @property
    def enrolment_growth(self) -> float | None:
        previous = self.enrolled_previous_year
        return (self.enrolled - previous) / previous if previous else None

    def counts(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if k not in ("code", "name")}

    def as_json(self) -> dict[str, Any]:
        """What a snapshot keeps: the counts and the rates as they were computed."""
        return {
            **asdict(self),
            "employment_rate": self.employment_rate,
            "stability": self.stability,
            "average_monthly_income": self.average_monthly_income,
            "enrolment_growth": self.enrolment_growth,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Figures:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


COUNT_NAMES = tuple(f.name for f in fields(Figures) if f.name not in ("code", "name"))


@dataclass
class Evaluation:
    region: Region
    year: int
    as_of: date
    total: Figures
    sub_regions: list[Figures]

    def as_json(self) -> dict[str, Any]:
        return {
            "region": {"code": self.region.code, "name": self.region.name},
            "year": self.year,
            "as_of": self.as_of.isoformat(),
            "total": self.total.as_json(),
            "sub_regions": [figures.as_json() for figures in self.sub_regions],
        }


# --- dates -----------------------------------------------------------------------------------


def default_as_of(year: int) -> date:
    """31 December of the year, or today while the year is not over."""
    return min(date(year, 12, 31), today())


def months_before(day: date, months: int) -> date:
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def _check(year: int, as_of: date | None) -> date:
    if not 2000 <= year <= today().year + 6:
        raise InvalidArgument(f"year 须在 2000 至 {today().year + 6} 之间")
    when = as_of or default_as_of(year)
    if when.year < year:
        raise InvalidArgument("asOf 不能早于评估年度")
    return when


# --- the figures: one statement each ----------------------------------------------------------

Groups = dict[str, dict[str, Any]]


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


async def _grouped(ctx: Context, key: ColumnElement[str], statement: Select) -> Groups:
    rows = await ctx.session.execute(statement.add_columns(key.label("grp")).group_by(key))
    return {row.grp: {k: v for k, v in row._mapping.items() if k != "grp"} for row in rows}


def _cohort_condition(year: int) -> ColumnElement[bool]:
    graduation = func.coalesce(
        EmploymentIntention.graduation_year, StudentRecord.expected_graduation_year
    )
    return and_(
        graduation == year,
        or_(EmploymentIntention.id.is_not(None), StudentRecord.status == StudentStatus.GRADUATED),
    )


async def cohort_counts(ctx: Context, scope, key, year: int) -> Groups:
    """The cohort (毕业生（届）) per group; the bureau dashboard reads the same."""
    return await _grouped(
        ctx,
        key,
        select(func.count(func.distinct(Person.id)).label("cohort"))
        .select_from(Person)
        .join(Household, Household.id == Person.household_id)
        .outerjoin(StudentRecord, StudentRecord.person_id == Person.id)
        .outerjoin(EmploymentIntention, EmploymentIntention.person_id == Person.id)
        .where(scope, _cohort_condition(year)),
    )


def _known_by(as_of: date) -> ColumnElement[bool]:
    return GraduateDestination.recorded_on <= as_of


def _in_force(as_of: date) -> ColumnElement[bool]:
    return and_(
        _known_by(as_of),
        or_(GraduateDestination.superseded_on.is_(None), GraduateDestination.superseded_on > as_of),
    )


async def employment_counts(ctx: Context, scope, key, year: int, as_of: date) -> Groups:
    """Employed, stable, income and location of the cohort's employed graduates per group; the
    bureau dashboard reads the same."""
    employed_kinds = [kind.value for kind in EMPLOYED_KINDS]
    current = (
        select(
            GraduateDestination.person_id,
            GraduateDestination.since,
            GraduateDestination.monthly_income,
            GraduateDestination.work_region_code,
        )
        .where(
            _in_force(as_of),
            GraduateDestination.cohort_year == year,
            GraduateDestination.kind.in_(employed_kinds),
        )
        .subquery("current")
    )
    # The history up to D, numbered per person; a non-employed destination breaks the spell.
    history = (
        select(
            GraduateDestination.person_id,
            GraduateDestination.kind,
            GraduateDestination.since,
            func.row_number()
            .over(
                partition_by=GraduateDestination.person_id,
                order_by=(GraduateDestination.recorded_on, GraduateDestination.id),
            )
            .label("n"),
        )
        .where(_known_by(as_of), GraduateDestination.person_id.in_(select(current.c.person_id)))
        .subquery("history")
    )
    last_break = (
        select(history.c.person_id, func.max(history.c.n).label("n"))
        .where(history.c.kind.not_in(employed_kinds))
        .group_by(history.c.person_id)
        .subquery("last_break")
    )
    spell = (
        select(history.c.person_id, func.min(history.c.since).label("start"))
        .outerjoin(last_break, last_break.c.person_id == history.c.person_id)
        .where(
            history.c.kind.in_(employed_kinds),
            history.c.n > func.coalesce(last_break.c.n, 0),
        )
        .group_by(history.c.person_id)
        .subquery("spell")
    )
    # The latest follow-up income on or before D, since the current destination began.
    follow_ups = (
        select(
            FollowUp.person_id,
            FollowUp.monthly_income,
            func.row_number()
            .over(
                partition_by=FollowUp.person_id,
                order_by=(FollowUp.on_date.desc(), FollowUp.id.desc()),
            )
            .label("rank"),
        )
        .join(current, current.c.person_id == FollowUp.person_id)
        .where(
            FollowUp.on_date <= as_of,
            FollowUp.on_date >= current.c.since,
            FollowUp.monthly_income.is_not(None),
        )
        .subquery("follow_ups")
    )
    income = func.coalesce(follow_ups.c.monthly_income, current.c.monthly_income)
    work = current.c.work_region_code
    home = Household.region_code
    same_province = func.substr(work, 1, 2) == func.substr(home, 1, 2)
    return await _grouped(
        ctx,
        key,
        select(
            func.count().label("employed"),
            _count_if(spell.c.start <= months_before(as_of, STABLE_MONTHS)).label("stable"),
            func.coalesce(func.sum(income), 0).label("income_total"),
            func.count(income).label("income_known"),
            _count_if(work == home).label("in_county"),
            _count_if(and_(work != home, same_province)).label("in_province"),
            _count_if(~same_province).label("cross_province"),
            _count_if(work.is_(None)).label("location_unknown"),
        )
        .select_from(current)
        .join(Person, Person.id == current.c.person_id)
        .join(Household, Household.id == Person.household_id)
        .outerjoin(spell, spell.c.person_id == current.c.person_id)
        .outerjoin(
            follow_ups,
            and_(follow_ups.c.person_id == current.c.person_id, follow_ups.c.rank == 1),
        )
        .where(scope),
    )


async def _enrolment(ctx: Context, scope, key, year: int) -> Groups:
    return await _grouped(
        ctx,
        key,
        select(
            _count_if(StudentRecord.entry_year == year).label("enrolled"),
            _count_if(StudentRecord.entry_year == year - 1).label("enrolled_previous_year"),
        )
        .select_from(StudentRecord)
        .join(Person, Person.id == StudentRecord.person_id)
        .join(Household, Household.id == Person.household_id)
        .where(scope, StudentRecord.entry_year.in_([year - 1, year])),
    )


async def _cases(ctx: Context, scope, key, start: date, end: date) -> Groups:
    opened = AssistanceCase.opened_on.between(start, end)
    closed = AssistanceCase.closed_on.between(start, end)
    # Read as text: the untyped outcomes come back as UNKNOWN_OUTCOME, which no enum holds.
    outcome = func.coalesce(type_coerce(AssistanceCase.outcome_kind, String), UNKNOWN_OUTCOME)
    rows = await ctx.session.execute(
        select(
            key.label("grp"),
            outcome.label("outcome"),
            _count_if(opened).label("opened"),
            _count_if(closed).label("closed"),
        )
        .select_from(AssistanceCase)
        .join(Person, Person.id == AssistanceCase.person_id)
        .join(Household, Household.id == Person.household_id)
        .where(scope, or_(opened, closed))
        .group_by(key, outcome)
    )
    groups: Groups = {}
    for row in rows:
        group = groups.setdefault(
            row.grp, {"cases_opened": 0, "cases_closed": 0, "closed_by_outcome": {}}
        )
        group["cases_opened"] += int(row.opened)
        group["cases_closed"] += int(row.closed)
        if row.closed:
            group["closed_by_outcome"][str(row.outcome)] = int(row.closed)
    return groups


async def _alerts(ctx: Context, scope, key, start: date, end: date) -> Groups:
    handled_between = Alert.handled_at.between(
        datetime.combine(start, time.min, UTC), datetime.combine(end, time.max, UTC)
    )
    return await _grouped(
        ctx,
        key,
        select(
            _count_if(Alert.raised_on.between(start, end)).label("alerts_raised"),
            _count_if(and_(Alert.state == AlertState.HANDLED, handled_between)).label(
                "alerts_handled"
            ),
            _count_if(and_(Alert.state == AlertState.DISMISSED, handled_between)).label(
                "alerts_dismissed"
            ),
        ).where(scope),
    )


async def figures(
    ctx: Context, code: str, year: int, as_of: date | None = None
) -> Evaluation | None:
    """The live figures of the region and its real sub-regions (None for an unknown region)."""
    level = level_of(code)
    rules.require_statistics(ctx.viewer, code)
    when = _check(year, as_of)
    region = await ctx.session.get(Region, code)
    if region is None:
        return None
    children = await real_sub_regions(ctx, region)
    grouping = SubRegionKey.of(region, children)
    home = within(Household.region_code, code, level)
    home_key = grouping.key(Household.region_code)
    start, end = date(year, 1, 1), min(when, date(year, 12, 31))
    groups = [
        await cohort_counts(ctx, home, home_key, year),
        await employment_counts(ctx, home, home_key, year, when),
        await _enrolment(ctx, home, home_key, year),
        await _cases(ctx, home, home_key, start, end),
        await _alerts(
            ctx, within(Alert.county_code, code, level), grouping.key(Alert.county_code), start, end
        ),
    ]
    total = Figures(region.code, region.name)
    by_key: dict[str, Figures] = {}
    for group in groups:
        for key, counts in group.items():
            total.add(counts)
            by_key.setdefault(key, Figures("", "")).add(counts)
    subs = []
    for child in children:
        found = by_key.get(grouping.key_of(child), Figures("", ""))
        found.code, found.name = child.code, child.name
        subs.append(found)
    return Evaluation(region, year, when, total, subs)


# --- publishing: a frozen, numbered version --------------------------------------------------


async def latest_snapshot(ctx: Context, code: str, year: int) -> EvaluationSnapshot | None:
    rules.require_statistics(ctx.viewer, code)
    statement = (
        select(EvaluationSnapshot)
        .where(EvaluationSnapshot.region_code == code, EvaluationSnapshot.year == year)
        .order_by(EvaluationSnapshot.version.desc())
        .limit(1)
    )
    return (await ctx.session.scalars(statement)).first()


async def publisher_name(ctx: Context, snapshot: EvaluationSnapshot) -> str | None:
    if snapshot.published_by_org_id is None:
        return None
    return await ctx.session.scalar(
        select(Organisation.name).where(Organisation.id == snapshot.published_by_org_id)
    )


async def live_differs(ctx: Context, snapshot: EvaluationSnapshot) -> bool:
    """Whether the live figures, as of the published date, differ from the published ones."""
    live = await figures(ctx, snapshot.region_code, snapshot.year, snapshot.as_of)
    return live is None or _counts_of(live.as_json()) != _counts_of(snapshot.figures)


def _counts_of(data: dict[str, Any]) -> list[dict[str, Any]]:
    rows = [data["total"], *data["sub_regions"]]
    return [{"code": row["code"], **{name: row[name] for name in COUNT_NAMES}} for row in rows]


async def publish(
    ctx: Context, code: str, year: int, as_of: date | None = None
) -> Outcome[EvaluationSnapshot]:
    """Freeze the region's figures for the year as a new version: a region's own bureau reports
    it upward, and a later correction is a new version, never a silent rewrite."""

    async def work() -> EvaluationSnapshot:
        if ctx.viewer.role != Role.BUREAU or ctx.viewer.region_code != code:
            raise reject(
                "region_code", "NOT_YOUR_REGION", "只有本地区的乡村振兴局可以发布本地区的成效评估。"
            )
        try:
            evaluation = await figures(ctx, code, year, as_of)
        except InvalidArgument as error:
            raise reject("year", "OUT_OF_RANGE", f"评估年度或统计日不正确：{error}") from error
        if evaluation is None:
            raise reject("region_code", "NOT_FOUND", "没有该行政区划代码。")
        latest = await ctx.session.scalar(
            select(func.max(EvaluationSnapshot.version)).where(
                EvaluationSnapshot.region_code == code, EvaluationSnapshot.year == year
            )
        )
        snapshot = EvaluationSnapshot(
            region_code=code,
            year=year,
            version=(latest or 0) + 1,
            as_of=evaluation.as_of,
            figures=evaluation.as_json(),
            published_by_user_id=ctx.viewer.user_id,
            published_by_org_id=ctx.viewer.organisation_id,
            published_at=datetime.now(UTC),
        )
        ctx.session.add(snapshot)
        await ctx.session.flush()
        return snapshot

    return await attempt(ctx, "publishEvaluation", work)
