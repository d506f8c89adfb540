"""Excel in and out (导入导出): templates, uploads checked in the background with every problem
listed per row, a commit only when the preview is clean, and the list pages' exports.

Imports and exports run as background jobs (resolvers.jobs) under the signed-in user: the job
keeps the user and the scopes of this session, and the worker rebuilds the same viewer
(auth.acting). A job is shown to its own user only. The job page shows a progress bar that
``static/jobs.js`` refreshes from ``/ledgers/jobs/{id}/progress`` while the job runs.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from sqlalchemy import select
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from auth import rules, scopes
from auth.portal_signin import portal_viewer
from auth.viewer import Viewer
from models.jobs import Job, JobState, JobStep
from models.regions import RegionLevel
from portal.exports import export_title
from portal.ledgers import LISTS, export_arguments
from portal.web import SignInRequired, post, redirect, render, signed_in_user
from resolvers import jobs, ledgers
from resolvers.context import Context

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
"""An .xlsx of 100,000 ledger rows is about 5 MB."""
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STATE_WORDS = {
    JobState.QUEUED: "排队中",
    JobState.RUNNING: "处理中",
    JobState.DONE: "已完成",
    JobState.FAILED: "未完成",
}
RECENT_JOBS = 20


async def _viewer(request: Request) -> tuple[Viewer, dict]:
    """The signed-in user's viewer; a job is kept for a user account, which a portal session
    always has."""
    user = await signed_in_user(request)
    viewer = await portal_viewer(request) if user else None
    if user is None or viewer is None or viewer.user_id is None:
        raise SignInRequired()
    return viewer, user


def importable(viewer: Viewer) -> list[ledgers.LedgerKind]:
    """The kinds whose mutation the viewer may call (the census: county bureaus only)."""
    return [
        kind
        for kind in ledgers.KINDS.values()
        if rules.may_call(viewer, kind.mutation)
        and (kind is not ledgers.CENSUS or viewer.region_level == RegionLevel.COUNTY)
    ]


async def _jobs_of(request: Request, viewer: Viewer) -> list[Job]:
    async with request.app.state.sessions() as session:
        statement = (
            select(Job)
            .where(Job.user_id == viewer.user_id)
            .order_by(Job.id.desc())
            .limit(RECENT_JOBS)
        )
        return list(await session.scalars(statement))


async def index(request: Request) -> Response:
    viewer, user = await _viewer(request)
    kinds = importable(viewer)
    return await render(
        request,
        "ledgers/index.html",
        kinds=kinds,
        kind_choices=[(kind.name, kind.title) for kind in kinds],
        exports=_exports_here(user),
        jobs=await _jobs_of(request, viewer),
        states=STATE_WORDS,
        kind_titles=_kind_titles(),
        chosen=request.query_params.get("kind"),
    )


def _exports_here(user: dict) -> list[tuple[str, str]]:
    """The lists without a page of their own (a school's intentions and follow-ups), exported
    from here: (list, title) for the viewer's role. The census exports from its own page."""
    return [
        (name, export_title(listed.export))
        for name, listed in LISTS.items()
        if listed.back == "/ledgers" and listed.role == user["role"]
    ]


def _kind_titles() -> dict[str, str]:
    """What a job holds, by its kind: a ledger imported, or a list exported."""
    exported = {name: f"导出：{export_title(name)}" for name in {p.export for p in LISTS.values()}}
    return exported | {name: kind.title for name, kind in ledgers.KINDS.items()}


async def template(request: Request) -> Response:
    await _viewer(request)
    kind = ledgers.KINDS.get(request.path_params["kind"])
    if kind is None:
        raise HTTPException(404)
    async with request.app.state.sessions() as session:
        data = await ledgers.template(Context(session=session, viewer=Viewer()), kind)
    return _file(data, f"{kind.title}模板.xlsx")


def _file(data: bytes, name: str) -> Response:
    return Response(
        data,
        media_type=XLSX,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"},
    )


async def _queue(request: Request, viewer: Viewer, **job: Any) -> int:
    assert viewer.user_id is not None  # _viewer: a portal session's user
    async with request.app.state.sessions() as session:
        queued = await jobs.submit(
            session, user_id=viewer.user_id, scopes=scopes.join(viewer.scopes), **job
        )
        await session.commit()
    request.app.state.jobs.wake()
    return queued.id


async def upload(request: Request, form: FormData) -> Response:
    viewer, _ = await _viewer(request)
    kind = ledgers.KINDS.get(str(form.get("kind", "")))
    file = form.get("file")
    if kind is None or kind not in importable(viewer):
        return redirect("/ledgers", "请选择可导入的台账种类。", request, failed=True)
    if not isinstance(file, UploadFile) or not file.filename:
        return redirect(
            f"/ledgers?kind={kind.name}", "请选择要上传的 Excel 文件。", request, failed=True
        )
    data = await file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        return redirect(
            f"/ledgers?kind={kind.name}",
            "文件超过 20 MB，请分成几个文件上传。",
            request,
            failed=True,
        )
    job_id = await _queue(
        request, viewer, kind=kind.name, step=JobStep.CHECK, file_name=file.filename, payload=data
    )
    return redirect(f"/ledgers/jobs/{job_id}", "文件已上传，正在逐行检查。", request)


async def _own_job(request: Request, viewer: Viewer) -> Job:
    job_id = request.path_params["id"]
    async with request.app.state.sessions() as session:
        job = await session.get(Job, job_id) if job_id < 2**31 else None
    if job is None or job.user_id != viewer.user_id:
        raise HTTPException(404)
    return job


async def job_page(request: Request) -> Response:
    viewer, _ = await _viewer(request)
    job = await _own_job(request, viewer)
    done, total = jobs.progress_of(job)
    kind = ledgers.KINDS.get(job.kind) if job.step != JobStep.EXPORT else None
    return await render(
        request,
        "ledgers/job.html",
        job=job,
        kind=kind,
        title=(f"导入：{kind.title}" if kind else f"导出：{export_title(job.kind)}"),
        state=STATE_WORDS[job.state],
        done=done,
        total=total,
        running=job.state in (JobState.QUEUED, JobState.RUNNING),
        result=job.result or {},
        back=(job.arguments or {}).get("back", "/ledgers"),
    )


async def job_progress(request: Request) -> Response:
    viewer, _ = await _viewer(request)
    job = await _own_job(request, viewer)
    done, total = jobs.progress_of(job)
    return JSONResponse({"state": job.state.value, "done": done, "total": total})


async def commit(request: Request, _form: FormData) -> Response:
    viewer, _ = await _viewer(request)
    job = await _own_job(request, viewer)
    if not (job.result or {}).get("ok"):
        return redirect(
            f"/ledgers/jobs/{job.id}",
            "检查发现问题，不能导入：请修改文件后重新上传。",
            request,
            failed=True,
        )
    async with request.app.state.sessions() as session:
        moved = await jobs.requeue(session, job.id, from_step=JobStep.CHECK, to_step=JobStep.COMMIT)
        await session.commit()
    if not moved:
        return redirect(f"/ledgers/jobs/{job.id}", "该文件已在导入或已导入。", request, failed=True)
    request.app.state.jobs.wake()
    return redirect(f"/ledgers/jobs/{job.id}", "正在导入：全部成功才写入。", request)


async def download(request: Request) -> Response:
    viewer, _ = await _viewer(request)
    job = await _own_job(request, viewer)
    if job.output is None:
        raise HTTPException(404)
    return _file(job.output, job.file_name)


async def export(request: Request, form: FormData) -> Response:
    """An export button: the list page's query string, posted, becomes the export's variables."""
    viewer, user = await _viewer(request)
    name = request.path_params["name"]
    if name not in LISTS:
        raise HTTPException(404)
    if LISTS[name].role != user["role"]:
        raise HTTPException(403)  # not this role's page (its rows would be the API's anyway)
    params = {key: str(value) for key, value in form.items() if key != "csrf_token"}
    listed = LISTS[name]
    job_id = await _queue(
        request,
        viewer,
        kind=listed.export,
        step=JobStep.EXPORT,
        file_name=f"{export_title(listed.export)}.xlsx",
        arguments={"variables": export_arguments(name, params, user), "back": listed.back},
    )
    return redirect(f"/ledgers/jobs/{job_id}", "正在导出：完成后可下载。", request)


ROUTES = [
    Route("/ledgers", index),
    Route("/ledgers/templates/{kind}", template),
    post("/ledgers/imports", upload),
    Route("/ledgers/jobs/{id:int}", job_page),
    Route("/ledgers/jobs/{id:int}/progress", job_progress),
    post("/ledgers/jobs/{id:int}/commit", commit),
    Route("/ledgers/jobs/{id:int}/file", download),
    post("/exports/{name}", export),
]
