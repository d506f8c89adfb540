"""The matching engine as the GraphQL layer calls it: the viewer's scope, cursors, user errors.

The schema's fields stay one-liners over these (see the functions' docstrings for the fields).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, select

from auth import rules
from auth.viewer import Viewer
from models.applications import Application, ApplicationSource
from models.fairs import Fair
from models.organisations import Role
from models.people import EmploymentIntention, employment_intention_occupations
from models.positions import Position
from resolvers.context import Context
from resolvers.matching import candidates, scope
from resolvers.matching.engine import Match, matched_graduates, matched_positions
from resolvers.matching.fair import Shortlist, fair_shortlist
from resolvers.matching.referral import ReferralRefused, refer
from resolvers.outcomes import Outcome, Rejected, UserError, attempt, key_of, reject
from resolvers.pagination import decode_cursor, encode_cursor, page_size
from resolvers.regions import in_region

# Referring is recommending someone else: schools their graduates, agencies their candidates.
REFERRERS: dict[Role | None, ApplicationSource] = {
    Role.SCHOOL: ApplicationSource.SCHOOL,
    Role.AGENCY: ApplicationSource.AGENCY,
}


@dataclass(frozen=True)
class MatchWindow:
    """One page of a match list, with Relay cursors (offsets, as resolvers.pagination)."""

    matches: list[Match]
    offset: int
    has_next_page: bool

    @property
    def cursors(self) -> list[str]:
        return [encode_cursor(self.offset + index + 1) for index in range(len(self.matches))]


def graduate_predicate(
    viewer: Viewer,
    *,
    region: str | None = None,
    major: str | None = None,
    occupation: str | None = None,
    monitored: bool | None = None,
    key_county: bool | None = None,
    relocated: bool | None = None,
) -> ColumnElement[bool] | None:
    """``MatchedGraduatesFilter`` as a person filter for the engine, on the intention row's
    matching keys (the household's county, the major on record, the family's flags), each held
    to the rows where the personal field it reads is clear (auth.rules.PERSONAL_ARGUMENTS)."""
    wanting = select(employment_intention_occupations.c.intention_id).where(
        employment_intention_occupations.c.occupation_code == occupation
    )
    given = {
        "region": in_region(EmploymentIntention.match_region_code, region) if region else None,
        "major": EmploymentIntention.match_major_code == major if major else None,
        "occupation": EmploymentIntention.id.in_(wanting) if occupation else None,
        "monitored": None
        if monitored is None
        else EmploymentIntention.match_monitored.is_(monitored),
        "key_county": None
        if key_county is None
        else EmploymentIntention.match_key_county.is_(key_county),
        "relocated": None
        if relocated is None
        else EmploymentIntention.match_relocated.is_(relocated),
    }
    conditions = [
        rules.argument(viewer, "MatchedGraduatesFilter", name, condition)
        for name, condition in given.items()
        if condition is not None
    ]
    return and_(*conditions) if conditions else None


def position_predicate(
    *,
    region: str | None = None,
    kind: Any = None,
    occupation: str | None = None,
    yulu_priority: bool | None = None,
) -> ColumnElement[bool] | None:
    """``MatchedPositionsFilter`` as a position filter for the engine."""
    conditions = []
    if region:
        conditions.append(in_region(Position.region_code, region))
    if kind is not None:
        conditions.append(Position.kind == kind)
    if occupation:
        conditions.append(Position.occupation_code == occupation)
    if yulu_priority is not None:
        conditions.append(Position.yulu_priority.is_(yulu_priority))
    return and_(*conditions) if conditions else None


def _all(*conditions: ColumnElement[bool] | None) -> ColumnElement[bool]:
    return and_(*(condition for condition in conditions if condition is not None))


async def graduates_for_position(
    ctx: Context,
    position_id: int,
    first: int | None,
    after: str | None,
    filters: dict[str, Any] | None = None,
) -> MatchWindow:
    """``Position.matchedGraduates(first, after, filter)``: AccessDenied unless the viewer may ask,
    and for a filter on the household unless the viewer sees some household in clear."""
    # A suspended member or deactivated account gets no match at all (rules.working).
    person_filter = _all(
        rules.working(ctx.viewer),
        await scope.graduates_filter(ctx.session, ctx.viewer, position_id),
        graduate_predicate(ctx.viewer, **(filters or {})),
    )
    offset = decode_cursor(after) if after else 0
    page = await matched_graduates(
        ctx.session,
        position_id,
        first=page_size(first),
        offset=offset,
        person_filter=person_filter,
        household_clear=rules.clear(ctx.viewer, "household"),
    )
    return MatchWindow(page.matches, offset, page.has_next_page)


async def positions_for_person(
    ctx: Context,
    person_id: int,
    first: int | None,
    after: str | None,
    filters: dict[str, Any] | None = None,
) -> MatchWindow:
    """``Person.matchedPositions(first, after, filter)``: AccessDenied unless the viewer may ask."""
    position_filter = _all(
        rules.working(ctx.viewer),
        await scope.positions_filter(ctx.session, ctx.viewer, person_id),
        position_predicate(**(filters or {})),
    )
    offset = decode_cursor(after) if after else 0
    page = await matched_positions(
        ctx.session,
        person_id,
        first=page_size(first),
        offset=offset,
        position_filter=position_filter,
        household_clear=rules.clear(ctx.viewer, "household"),
    )
    return MatchWindow(page.matches, offset, page.has_next_page)


async def refer_candidate(
    ctx: Context, person_global_id: str, position_global_id: str, note: str | None
) -> Outcome[Application]:
    """``referCandidate(personId, positionId, note)``: the match becomes a ``recommended``
    application; the role gate is the rules' ``referCandidate`` (schools and agencies)."""

    async def work() -> Application:
        person_id = key_of(person_global_id, "Person", "person_id")
        position_id = key_of(position_global_id, "Position", "position_id")
        source = REFERRERS.get(ctx.viewer.role)
        if source is None:
            raise reject("person_id", "NOT_A_REFERRER", "只有学校和人力资源服务机构可以推荐。")
        person_filter = await scope.graduates_filter(ctx.session, ctx.viewer, position_id)
        visible = candidates.graduates_statement().where(
            candidates.Person.id == person_id, person_filter
        )
        if (await ctx.session.execute(visible)).first() is None:
            raise reject("person_id", "NOT_FOUND", "在您可推荐的人员中没有找到此人。")
        try:
            return await refer(
                ctx.session,
                person_id=person_id,
                position_id=position_id,
                source=source,
                referrer_id=ctx.viewer.organisation_id,
                actor_user_id=ctx.viewer.user_id,
                note=note,
            )
        except ReferralRefused as refused:
            raise Rejected(UserError(refused.field, refused.code, refused.message)) from refused

    return await attempt(ctx, "referCandidate", work)


async def shortlist_for_fair(ctx: Context, fair_id: int) -> Shortlist:
    """``Fair.shortlist``: for the fair's organiser, whose own registrations these are."""
    organiser = await ctx.session.scalar(select(Fair.organiser_id).where(Fair.id == fair_id))
    if organiser is None or organiser != ctx.viewer.organisation_id:
        raise rules.denial(ctx.viewer)
    return await fair_shortlist(
        ctx.session, fair_id, household_clear=rules.clear(ctx.viewer, "household")
    )
