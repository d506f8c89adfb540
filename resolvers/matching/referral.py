"""A referral turns a match into an application in stage ``recommended`` (推荐).

The same hard filters as matching apply: the position is open with headcount left, the graduate
is available, their education meets the minimum. A person is referred to a position once: the
unique (person, position) key of applications backs the check against concurrent referrals.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from models.applications import Application, ApplicationEvent, ApplicationSource, Stage
from resolvers.context import AnySession
from resolvers.matching import candidates
from resolvers.matching.scoring import education_suffices


class ReferralRefused(Exception):
    """A referral the rules refuse; ``code`` and ``field`` are for the API's UserError."""

    def __init__(self, code: str, field: str, message: str) -> None:
        super().__init__(message)
        self.code, self.field, self.message = code, field, message


async def refer(
    session: AnySession,
    *,
    person_id: int,
    position_id: int,
    source: ApplicationSource,
    referrer_id: int | None = None,
    fair_id: int | None = None,
    actor_user_id: int | None = None,
    note: str | None = None,
) -> Application:
    """Create the ``recommended`` application, with its first stage event; ReferralRefused if not."""
    await _refuse_duplicate(session, person_id, position_id)
    position = await candidates.position(session, position_id)
    if position is None:
        raise ReferralRefused("POSITION_NOT_OPEN", "positionId", "该岗位未开放或名额已满。")
    graduate = await candidates.graduate(session, person_id)
    if graduate is None:
        raise ReferralRefused(
            "GRADUATE_NOT_AVAILABLE", "personId", "此人没有求职意向，或已就业且不打算换工作。"
        )
    if not education_suffices(graduate.education, position.min_education):
        raise ReferralRefused(
            "EDUCATION_BELOW_MINIMUM",
            "personId",
            f"该岗位要求学历不低于“{position.min_education.value}”。",
        )
    application = Application(
        person_id=person_id,
        position_id=position_id,
        source=source,
        referrer_id=referrer_id,
        fair_id=fair_id,
        stage=Stage.RECOMMENDED,
        note=note,
    )
    try:
        async with session.begin_nested():
            session.add(application)
            await session.flush()
    except IntegrityError:
        # Someone referred the same pair between our check and our insert.
        await _refuse_duplicate(session, person_id, position_id)
        raise
    session.add(
        ApplicationEvent(
            application_id=application.id,
            from_stage=None,
            to_stage=Stage.RECOMMENDED,
            actor_user_id=actor_user_id,
            note=note,
        )
    )
    await session.flush()
    return application


async def _refuse_duplicate(session: AnySession, person_id: int, position_id: int) -> None:
    existing = (
        await session.execute(
            select(Application.id, Application.stage).where(
                Application.person_id == person_id, Application.position_id == position_id
            )
        )
    ).first()
    if existing is not None:
        raise ReferralRefused(
            "DUPLICATE_REFERRAL",
            "personId",
            f"此人已有该岗位的申请（编号 {existing.id}，阶段 {Stage(existing.stage).value}），"
            "同一人对同一岗位只能推荐一次。",
        )
