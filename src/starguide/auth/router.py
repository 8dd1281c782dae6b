"""HTTP routes of accounts: sign-up, sign-in, tokens, sessions, passwords, e-mail, profile."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Cookie, Header, Request, Response

from starguide.auth import passwords, service
from starguide.auth.deps import UserDep, authenticate, bearer_scheme, check_user_rate
from starguide.auth.schemas import (
    EmailVerifyIn,
    LoginIn,
    MeRead,
    MeUpdate,
    PasswordChangeIn,
    PasswordForgotIn,
    PasswordResetIn,
    RefreshIn,
    SessionRead,
    SignupIn,
    SwitchOrganisationIn,
    TokenPair,
)
from starguide.config import Settings
from starguide.kit.deps import RuntimeDep, SessionDep
from starguide.kit.errors import problem_response, problem_responses

REFRESH_COOKIE = "sg_refresh"
COOKIE_PATH = "/api/v1/auth"

router = APIRouter(tags=["auth"], responses=problem_responses(400, 401, 403, 404, 409, 410, 415, 422, 429))

ClientHeader = Annotated[
    str | None,
    Header(
        alias="X-Client",
        max_length=20,
        description="`web`: the refresh token travels only in the HttpOnly `sg_refresh` cookie",
    ),
]
RefreshCookie = Annotated[str | None, Cookie(alias=REFRESH_COOKIE, max_length=200, include_in_schema=False)]
UserAgent = Annotated[str | None, Header(alias="User-Agent", include_in_schema=False)]


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _is_web(x_client: str | None) -> bool:
    return (x_client or "").strip().lower() == "web"


def _token_pair(settings: Settings, response: Response, signed: service.SignedIn, *, web: bool) -> TokenPair:
    refresh = signed.refresh_token
    if web and refresh is not None:
        response.set_cookie(
            REFRESH_COOKIE,
            refresh,
            max_age=settings.refresh_token_days * 86400,
            path=COOKIE_PATH,
            httponly=True,
            samesite="strict",
            secure=settings.public_url.startswith("https://"),
        )
        refresh = None
    return TokenPair(
        access_token=signed.access_token,
        expires_in=settings.access_token_minutes * 60,
        refresh_token=refresh,
        organisation_id=signed.organisation_id,
    )


def _clear_cookie(settings: Settings, response: Response) -> None:
    response.delete_cookie(
        REFRESH_COOKIE,
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=settings.public_url.startswith("https://"),
    )


@router.post("/auth/signup", status_code=201, response_model=TokenPair)
async def signup(
    body: SignupIn,
    request: Request,
    response: Response,
    runtime: RuntimeDep,
    x_client: ClientHeader = None,
    user_agent: UserAgent = None,
) -> TokenPair:
    """Create an account (and join an organisation with `invitation_token`); signs in."""
    settings = runtime.settings
    await runtime.limiter.hit(settings.rate_limit_signup, "signup-ip", client_ip(request), what="sign-ups")
    passwords.check_password(body.password, email=body.email)
    # Hash before taking the write transaction: argon2 is slow on purpose.
    password_hash = await passwords.hash_password(settings, body.password)
    async with runtime.db.session() as session:
        signed = await service.do_signup(
            session,
            settings=settings,
            now=runtime.clock(),
            data=body,
            password_hash=password_hash,
            ip=client_ip(request),
            user_agent=user_agent,
        )
    return _token_pair(settings, response, signed, web=_is_web(x_client))


@router.post("/auth/login", response_model=TokenPair)
async def login(
    body: LoginIn,
    request: Request,
    response: Response,
    runtime: RuntimeDep,
    x_client: ClientHeader = None,
    user_agent: UserAgent = None,
) -> TokenPair:
    """Sign in with e-mail and password (in `organisation_id`, or the last one used)."""
    settings = runtime.settings
    async with runtime.db.session(write=False) as session:
        who = await service.authenticate(
            session,
            settings=settings,
            limiter=runtime.limiter,
            email=body.email,
            password=body.password,
            ip=client_ip(request),
        )
    async with runtime.db.session() as session:
        signed = await service.do_login(
            session,
            settings=settings,
            now=runtime.clock(),
            who=who,
            organisation_id=body.organisation_id,
            ip=client_ip(request),
            user_agent=user_agent,
        )
    return _token_pair(settings, response, signed, web=_is_web(x_client))


@router.post("/auth/refresh", response_model=TokenPair)
async def refresh(
    request: Request,
    response: Response,
    runtime: RuntimeDep,
    session: SessionDep,
    body: RefreshIn | None = None,
    x_client: ClientHeader = None,
    sg_refresh: RefreshCookie = None,
) -> Any:
    """Exchange a refresh token (body, or cookie with `X-Client: web`) for a new pair."""
    web = _is_web(x_client)
    raw = body.refresh_token if body and body.refresh_token else (sg_refresh if web else None)
    if not raw:
        raise service.RefreshRejected("Send the refresh token in the body, or the cookie with X-Client: web.")
    outcome = await service.do_refresh(session, settings=runtime.settings, now=runtime.clock(), raw=raw)
    if isinstance(outcome, service.FamilyRevoked):
        # Answer without raising, so the revocation commits.
        answer = problem_response(
            request,
            401,
            "This refresh token was already used; the sign-in has been ended for safety. Sign in again.",
            slug="refresh-token-reused",
            title="Sign in again",
            headers={"WWW-Authenticate": "Bearer"},
        )
        if web:
            _clear_cookie(runtime.settings, answer)
        return answer
    return _token_pair(runtime.settings, response, outcome, web=web)


@router.post("/auth/logout", status_code=204, response_model=None)
async def logout(principal: UserDep, session: SessionDep, runtime: RuntimeDep, response: Response) -> None:
    """End this sign-in."""
    await service.do_logout(session, now=runtime.clock(), principal=principal)
    _clear_cookie(runtime.settings, response)


@router.post("/auth/logout-all", status_code=204, response_model=None)
async def logout_all(
    principal: UserDep, session: SessionDep, runtime: RuntimeDep, response: Response
) -> None:
    """End every sign-in of this account, on every device."""
    await service.do_logout_all(session, now=runtime.clock(), principal=principal)
    _clear_cookie(runtime.settings, response)


@router.post("/auth/switch-organisation", response_model=TokenPair)
async def switch_organisation(
    body: SwitchOrganisationIn,
    principal: UserDep,
    session: SessionDep,
    runtime: RuntimeDep,
    response: Response,
) -> TokenPair:
    """Make another of my organisations the active one; returns a new access token."""
    signed = await service.do_switch_organisation(
        session,
        settings=runtime.settings,
        now=runtime.clock(),
        principal=principal,
        organisation_id=body.organisation_id,
    )
    return _token_pair(runtime.settings, response, signed, web=False)


@router.post("/auth/password/change", status_code=204, response_model=None)
async def change_password(
    body: PasswordChangeIn, principal: UserDep, session: SessionDep, runtime: RuntimeDep
) -> None:
    """Change my password; every other sign-in ends."""
    await service.do_change_password(
        session,
        settings=runtime.settings,
        limiter=runtime.limiter,
        now=runtime.clock(),
        principal=principal,
        current_password=body.current_password,
        new_password=body.new_password,
    )


@router.post("/auth/password/forgot", status_code=202, response_model=None, response_class=Response)
async def forgot_password(
    body: PasswordForgotIn, request: Request, session: SessionDep, runtime: RuntimeDep
) -> Response:
    """E-mail a password reset link (the answer is the same whether the account exists or not)."""
    await service.do_forgot_password(
        session,
        settings=runtime.settings,
        limiter=runtime.limiter,
        now=runtime.clock(),
        email=body.email,
        ip=client_ip(request),
    )
    return Response(status_code=202)


@router.post("/auth/password/reset", status_code=204, response_model=None)
async def reset_password(body: PasswordResetIn, request: Request, runtime: RuntimeDep) -> None:
    """Choose a new password with the token from the e-mail; every sign-in ends."""
    settings = runtime.settings
    await runtime.limiter.hit(settings.rate_limit_auth, "reset-ip", client_ip(request), what="attempts")
    passwords.check_password(body.new_password, field="body.new_password")
    password_hash = await passwords.hash_password(settings, body.new_password)
    async with runtime.db.session() as session:
        await service.do_reset_password(
            session,
            now=runtime.clock(),
            token=body.token,
            new_password=body.new_password,
            password_hash=password_hash,
        )


@router.post("/auth/email/verify", status_code=204, response_model=None)
async def verify_email(
    body: EmailVerifyIn, request: Request, session: SessionDep, runtime: RuntimeDep
) -> None:
    """Confirm an e-mail address with the token from the e-mail."""
    await runtime.limiter.hit(
        runtime.settings.rate_limit_auth, "verify-ip", client_ip(request), what="attempts"
    )
    await service.do_verify_email(session, now=runtime.clock(), token=body.token)


@router.post("/auth/email/resend", status_code=202, response_model=None, response_class=Response)
async def resend_verification(principal: UserDep, session: SessionDep, runtime: RuntimeDep) -> Response:
    """Send the address confirmation e-mail again (nothing happens when already confirmed)."""
    await service.do_resend_verification(
        session, settings=runtime.settings, limiter=runtime.limiter, now=runtime.clock(), principal=principal
    )
    return Response(status_code=202)


@router.get("/auth/sessions", response_model=list[SessionRead])
async def list_sessions(principal: UserDep, session: SessionDep, runtime: RuntimeDep) -> list[SessionRead]:
    """My active sign-ins, most recently used first."""
    return await service.list_sessions(session, now=runtime.clock(), principal=principal)


@router.delete("/auth/sessions/{session_id}", status_code=204, response_model=None)
async def revoke_session(
    session_id: uuid.UUID, principal: UserDep, session: SessionDep, runtime: RuntimeDep
) -> None:
    """End one of my sign-ins."""
    await service.do_revoke_session(session, now=runtime.clock(), principal=principal, session_id=session_id)


@router.get("/me", response_model=MeRead, openapi_extra={"security": [{"HTTPBearer": []}]})
async def read_me(request: Request) -> Response:
    """My account, my organisations and the active one."""
    # Every page asks for it: the runtime and the token are read here rather than through two
    # dependencies, which cost FastAPI more than the rest of this route. The same checks as UserDep,
    # on the rows the answer is made of.
    runtime = request.app.state.runtime
    claims, now = authenticate(runtime, await bearer_scheme(request))
    body = await service.read_me_json(runtime, claims, now)
    await check_user_rate(runtime, claims.user_id)
    return Response(body, media_type="application/json")


@router.patch("/me", response_model=MeRead)
async def update_me(body: MeUpdate, principal: UserDep, session: SessionDep, runtime: RuntimeDep) -> MeRead:
    """Change my display name, picture, time zone or locale."""
    return await service.do_update_me(session, now=runtime.clock(), principal=principal, data=body)
