"""Role grants by strategists, their events and audit, and consultation access modes."""

from __future__ import annotations

from pathlib import Path

import grpc
import httpx
import pytest
from nats.aio.client import Client as NatsClient
from pymongo import AsyncMongoClient

from agora.v1 import identity_pb2, identity_pb2_grpc
from agora_kit.events.envelope import parse_envelope
from devstack.stack import Stack
from tests.helpers import assert_problem, auth, create_consultation, eventually
from tests.identity.support import Session, new_account

Mongo = AsyncMongoClient[dict[str, object]]
OPERATOR = auth("root~operator")


@pytest.fixture
def mail_dir(work_dir: Path) -> Path:
    return work_dir / "mail"


async def grant(api: httpx.AsyncClient, consultation_id: object, account_id: str, role: str,
                headers: dict[str, str]) -> httpx.Response:
    return await api.post(f"/v1/consultations/{consultation_id}/roles",
                          json={"account_id": account_id, "role": role}, headers=headers)


async def test_strategist_grants_and_revokes_with_events_and_audit(
    api: httpx.AsyncClient, mail_dir: Path, nc: NatsClient, mongo: Mongo
) -> None:
    consultation = await create_consultation(api)
    cid = consultation["id"]
    strategist: Session = await new_account(api, mail_dir)
    member = await new_account(api, mail_dir)
    assert (await grant(api, cid, strategist.account_id, "strategist", OPERATOR)).status_code == 201

    granted = await grant(api, cid, member.account_id, "moderator", strategist.headers)
    assert granted.status_code == 201, granted.text
    assert granted.json()["granted_by"] == strategist.account_id
    listed = await api.get(f"/v1/consultations/{cid}/roles", headers=strategist.headers)
    assert {(g["account_id"], g["role"]) for g in listed.json()["items"]} == {
        (strategist.account_id, "strategist"), (member.account_id, "moderator")}

    js = nc.jetstream()
    message = await eventually(lambda: js.get_last_msg("AGORA", f"agora.{cid}.role.granted"),
                               lambda m: m is not None)
    envelope = parse_envelope(message.data or b"")
    payload = identity_pb2.RoleGranted()
    envelope.payload.Unpack(payload)
    assert (payload.account_id, payload.role, envelope.actor) == (
        member.account_id, "moderator", strategist.account_id)

    revoked = await api.delete(f"/v1/consultations/{cid}/roles/{member.account_id}/moderator",
                               headers=strategist.headers)
    assert revoked.status_code == 204
    again = await api.delete(f"/v1/consultations/{cid}/roles/{member.account_id}/moderator",
                             headers=strategist.headers)
    # Revoking is idempotent: the second changes nothing and records nothing (below).
    assert again.status_code == 204
    audit = await mongo["agora_identity"]["audit_log"].find(
        {"consultation_id": cid}).sort("at", 1).to_list()
    assert [(a["type"], a["role"]) for a in audit] == [
        ("role.granted", "strategist"), ("role.granted", "moderator"),
        ("role.revoked", "moderator")]


async def test_nobody_grants_themselves_a_role(api: httpx.AsyncClient, mail_dir: Path) -> None:
    cid = (await create_consultation(api))["id"]
    participant = await new_account(api, mail_dir)
    refused = await grant(api, cid, participant.account_id, "strategist", participant.headers)
    assert refused.status_code == 403
    strategist = await new_account(api, mail_dir)
    await grant(api, cid, strategist.account_id, "strategist", OPERATOR)
    itself = await grant(api, cid, strategist.account_id, "expert", strategist.headers)
    assert itself.status_code == 403
    assert "own roles" in itself.json()["detail"]
    # A strategist elsewhere is a participant here.
    other = (await create_consultation(api))["id"]
    assert (await grant(api, other, participant.account_id, "expert",
                        strategist.headers)).status_code == 403


async def test_a_new_grant_applies_to_the_next_request(api: httpx.AsyncClient,
                                                       mail_dir: Path) -> None:
    cid = (await create_consultation(api))["id"]
    member = await new_account(api, mail_dir)
    assert (await api.get(f"/v1/consultations/{cid}/roles",
                          headers=member.headers)).status_code == 403
    await grant(api, cid, member.account_id, "strategist", OPERATOR)
    assert (await api.get(f"/v1/consultations/{cid}/roles",
                          headers=member.headers)).status_code == 200
    await api.delete(f"/v1/consultations/{cid}/roles/{member.account_id}/strategist",
                     headers=OPERATOR)
    assert (await api.get(f"/v1/consultations/{cid}/roles",
                          headers=member.headers)).status_code == 403


async def test_an_employee_consultation_admits_only_verified_company_addresses(
    api: httpx.AsyncClient, mail_dir: Path
) -> None:
    consultation = await create_consultation(api)
    cid = consultation["id"]
    policy = await api.put(f"/v1/consultations/{cid}/access", headers=OPERATOR,
                           json={"mode": "invitation", "allowed_domains": ["@Company.Example"]})
    assert policy.status_code == 200, policy.text
    assert policy.json()["allowed_domains"] == ["company.example"]
    employee = await new_account(api, mail_dir, domain="company.example")
    unverified = await new_account(api, mail_dir, domain="company.example", verify=False)
    outsider = await new_account(api, mail_dir, domain="elsewhere.example")
    theme = consultation["themes"][0]["id"]  # type: ignore[index]
    url = f"/v1/consultations/{cid}/threads"
    body = {"theme_id": theme, "title": "Remote work"}

    assert (await api.get(f"/v1/consultations/{cid}", headers=employee.headers)).status_code == 200
    assert (await api.post(url, json=body, headers=employee.headers)).status_code == 201
    for stranger in (outsider, unverified):
        assert (await api.get(f"/v1/consultations/{cid}",
                              headers=stranger.headers)).status_code == 403
        assert (await api.post(url, json=body, headers=stranger.headers)).status_code == 403
    assert (await api.get(f"/v1/consultations/{cid}")).status_code == 401

    invited = await api.put(f"/v1/consultations/{cid}/access", headers=OPERATOR,
                            json={"mode": "invitation", "invited_emails": [outsider.email]})
    assert invited.status_code == 200
    assert (await api.get(f"/v1/consultations/{cid}", headers=outsider.headers)).status_code == 200
    assert (await api.get(f"/v1/consultations/{cid}", headers=employee.headers)).status_code == 403


async def test_registered_mode_admits_any_account_but_no_anonymous_reader(
    api: httpx.AsyncClient, mail_dir: Path
) -> None:
    cid = (await create_consultation(api))["id"]
    assert (await api.get(f"/v1/consultations/{cid}")).status_code == 200
    await api.put(f"/v1/consultations/{cid}/access", headers=OPERATOR,
                  json={"mode": "registered"})
    assert (await api.get(f"/v1/consultations/{cid}")).status_code == 401
    member = await new_account(api, mail_dir, verify=False)
    assert (await api.get(f"/v1/consultations/{cid}", headers=member.headers)).status_code == 200


async def test_a_grant_made_behind_the_gateway_applies_through_its_event(
    api: httpx.AsyncClient, stack: Stack, mail_dir: Path,
) -> None:
    """A grant sent straight to identity (not through this gateway, which would drop the
    cached admission itself) reaches the gateway's cache through `role.granted`, well
    before the admission cache's 30 s lifetime."""
    cid = (await create_consultation(api))["id"]
    member = await new_account(api, mail_dir)
    url = f"/v1/consultations/{cid}/roles"
    assert (await api.get(url, headers=member.headers)).status_code == 403  # now cached
    async with grpc.aio.insecure_channel(stack.config.address("identity")) as channel:
        await identity_pb2_grpc.IdentityServiceStub(channel).GrantRole(identity_pb2.RoleChange(
            consultation_id=str(cid), account_id=member.account_id, role="strategist",
            actor_id="root", actor_roles=["operator"]), timeout=5)

    async def status() -> int:
        return (await api.get(url, headers=member.headers)).status_code

    await eventually(status, lambda code: code == 200, within=10)


async def test_a_bad_domain_is_called_a_bad_domain(api: httpx.AsyncClient, stack: Stack) -> None:
    """Was "this is not an email address", naming no list entry, from the gateway and
    from identity alike."""
    cid = str((await create_consultation(api))["id"])
    reply = await api.put(f"/v1/consultations/{cid}/access", headers=OPERATOR,
                          json={"mode": "invitation", "allowed_domains": ["not a domain"]})
    assert_problem(reply, 422, "allowed_domains.0")
    assert "not a domain name" in reply.json()["detail"]
    policy = identity_pb2.AccessPolicy(consultation_id=cid, mode="invitation",
                                       allowed_domains=["ok.example", "not a domain"],
                                       invited_emails=["nobody"])
    async with grpc.aio.insecure_channel(stack.config.address("identity")) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await identity_pb2_grpc.IdentityServiceStub(channel).SetAccessPolicy(
                identity_pb2.SetAccessPolicyRequest(policy=policy, actor_id="root",
                                                    actor_roles=["operator"]), timeout=5)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert dict(refused.value.trailing_metadata() or ())["agora-field"] == "invited_emails.0"
    policy.ClearField("invited_emails")
    async with grpc.aio.insecure_channel(stack.config.address("identity")) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await identity_pb2_grpc.IdentityServiceStub(channel).SetAccessPolicy(
                identity_pb2.SetAccessPolicyRequest(policy=policy, actor_id="root",
                                                    actor_roles=["operator"]), timeout=5)
    assert "not a domain name" in refused.value.details()
    assert dict(refused.value.trailing_metadata() or ())["agora-field"] == "allowed_domains.1"


async def test_a_grant_to_no_account_is_a_refused_field_not_a_missing_consultation(
    api: httpx.AsyncClient, mongo: AsyncMongoClient[dict[str, object]],
) -> None:
    """The consultation exists; what is wrong is the body's `account_id` (422, like any
    field naming stored state that is not there). It was a 404, which reads as if the
    consultation had gone."""
    cid = (await create_consultation(api))["id"]
    grants = mongo["agora_identity"]["grants"]
    before = await grants.count_documents({"consultation_id": cid})
    reply = await grant(api, cid, "e064a1482e23fe335f62f9b3", "expert", OPERATOR)
    assert_problem(reply, 422, "account_id")
    assert await grants.count_documents({"consultation_id": cid}) == before
