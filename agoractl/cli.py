"""`agoractl <command> SPEC`: the operator's entry point (see the repository README)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from agoractl import commands
from agoractl.cluster import KubernetesCluster
from agoractl.releases import HelmReleases
from agoractl.spec import ConsultationSpec, SpecError

ContextFactory = Callable[[argparse.Namespace], commands.Context]


def real_context(args: argparse.Namespace) -> commands.Context:
    return commands.Context(
        cluster=KubernetesCluster(kubeconfig=args.kubeconfig, context=args.context),
        releases=HelmReleases(kubeconfig=args.kubeconfig, context=args.context),
        chart=args.chart)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="agoractl", description=__doc__)
    top.add_argument("--kubeconfig", help="kubeconfig file (default: KUBECONFIG, ~/.kube)")
    top.add_argument("--context", help="kubeconfig context")
    top.add_argument("--chart", type=Path, default=commands.CHART, help="the Agora chart")
    sub = top.add_subparsers(dest="command", required=True)
    create = sub.add_parser("create", help="namespace, credentials and release; wait")
    create.add_argument("--timeout", type=float, default=600.0, help="rollout wait (s)")
    sub.add_parser("status", help="pods, health and the consultation's phase")
    archive = sub.add_parser("archive", help="open-data export and database dump")
    archive.add_argument("--out", type=Path, default=Path("."), help="where to write it")
    archive.add_argument("--mongo-uri", help="MongoDB as reachable from here "
                                             "(default: the release's secret)")
    teardown = sub.add_parser("teardown", help="uninstall, delete credentials and namespace")
    teardown.add_argument("--archived", type=Path, required=True,
                          help="the archive `agoractl archive` wrote")
    teardown.add_argument("--keep-namespace", action="store_true")
    for command in (create, archive, teardown, sub.choices["status"]):
        command.add_argument("spec", type=Path, help="the consultation's spec (YAML)")
    return top


def main(argv: list[str] | None = None, context: ContextFactory = real_context) -> int:
    args = parser().parse_args(argv)
    try:
        spec = ConsultationSpec.load(args.spec)
        ctx = context(args)
        if args.command == "create":
            revision = commands.create(spec, ctx, timeout=args.timeout)
            print(f"{spec.name}: revision {revision} rolled out in {spec.target_namespace}")
        elif args.command == "status":
            print(commands.status(spec, ctx).render())
        elif args.command == "archive":
            print(commands.archive(spec, ctx, args.out, mongo_uri=args.mongo_uri))
        else:
            commands.teardown(spec, ctx, archived=args.archived,
                              keep_namespace=args.keep_namespace)
            print(f"{spec.name}: torn down")
    except (SpecError, commands.CommandError) as error:
        print(f"agoractl: {error}", file=sys.stderr)
        return 2
    return 0
