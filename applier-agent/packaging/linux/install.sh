#!/usr/bin/env bash
# Installs, upgrades or removes the Tourniquet agent on a Linux server (nginx in front of Exchange).
#
#   install.sh install   --from DIST --config agent.properties --keys DIR --kafka-ca ca.crt --policy URL [--issuer URL]
#   install.sh upgrade   --from DIST
#   install.sh uninstall [--purge]
#
# DIST is the agent's distribution: agent/ (the applier-agent's quarkus-app) and cli/ (cli.jar and lib/).
# install enrols the server: an MSP administrator signs in on their own device (OAuth device grant; nothing secret is
# typed on this server), the agent's key is made here, only its public half is registered with the policy service,
# and the sign-in is forgotten. --root DIR installs into DIR instead of / (packagers, tests): no user, no ownership,
# no enrolment, no systemctl.
set -euo pipefail

UNIT_NAME=tourniquet-agent.service
USER_NAME=tourniquet-agent
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

die() { echo "install.sh: $*" >&2; exit 2; }

action="${1:-}"; [ -n "$action" ] && shift || die "which action? install, upgrade or uninstall"
root="" from="" config="" keys="" kafka_ca="" policy="" issuer="" purge=false
while [ $# -gt 0 ]; do
  case "$1" in
    --root) root="${2:?}"; shift 2 ;;
    --from) from="${2:?}"; shift 2 ;;
    --config) config="${2:?}"; shift 2 ;;
    --keys) keys="${2:?}"; shift 2 ;;
    --kafka-ca) kafka_ca="${2:?}"; shift 2 ;;
    --policy) policy="${2:?}"; shift 2 ;;
    --issuer) issuer="${2:?}"; shift 2 ;;
    --purge) purge=true; shift ;;
    *) die "unknown option $1" ;;
  esac
done

OPT="$root/opt/tourniquet-agent"
ETC="$root/etc/tourniquet-agent"
STATE="$root/var/lib/tourniquet-agent"
INCLUDES="$root/etc/nginx/tourniquet"
UNIT="$root/etc/systemd/system/$UNIT_NAME"
live() { [ -z "$root" ]; }

if live && [ "$(id -u)" -ne 0 ]; then die "run as root (or with --root DIR)"; fi

setting() { # the value of a key in the installed configuration
  sed -n "s/^$1=//p" "$ETC/agent.properties" | tail -n 1
}

install_app() { # copies the distribution beside the old one, then swaps, so a failed copy leaves the old one running
  [ -f "$from/agent/quarkus-run.jar" ] || die "--from $from holds no agent/quarkus-run.jar"
  [ -f "$from/cli/cli.jar" ] || die "--from $from holds no cli/cli.jar"
  install -d -m 0755 "$OPT"
  rm -rf "$OPT.new" && mkdir -m 0755 "$OPT.new"
  cp -R "$from/agent" "$from/cli" "$OPT.new/"
  chmod -R go-w "$OPT.new"
  rm -rf "$OPT.old"; mv "$OPT" "$OPT.old" && mv "$OPT.new" "$OPT" && rm -rf "$OPT.old"
  install -D -m 0644 "$here/$UNIT_NAME" "$UNIT"
}

enrol() {
  local tenant server home
  tenant="$(setting tourniquet.agent.tenant)"; server="$(setting tourniquet.agent.servers)"
  [ -n "$tenant" ] && [ -n "$server" ] || die "$ETC/agent.properties names no tourniquet.agent.tenant or tourniquet.agent.servers"
  home="$(mktemp -d)"; trap 'rm -rf "$home"' RETURN
  cli() { TOURNIQUET_HOME="$home" java -cp "$OPT/cli/cli.jar:$OPT/cli/lib/*" io.tourniquet.cli.Cli "$@"; }
  echo "Enrolling $server of $tenant: an MSP administrator signs in on their own device."
  cli login ${issuer:+--issuer "$issuer"}
  cli agent enroll --tenant "$tenant" --server "$server" --state-dir "$STATE/state" --policy "$policy"
  cli logout
  chown -R "$USER_NAME:$USER_NAME" "$STATE/state"
}

case "$action" in
  install)
    [ -n "$from" ] && [ -n "$config" ] && [ -n "$keys" ] && [ -n "$kafka_ca" ] || die "install needs --from, --config, --keys and --kafka-ca"
    live && { [ -n "$policy" ] || die "install needs --policy (the policy service's URL) to enrol the server"; }
    if live && ! id -u "$USER_NAME" >/dev/null 2>&1; then
      useradd --system --home-dir /var/lib/tourniquet-agent --no-create-home --shell /usr/sbin/nologin "$USER_NAME"
    fi
    install_app
    install -d -m 0750 "$ETC" "$ETC/keys"
    # the configuration holds the agent's Kafka credential: root writes it, only the agent reads it
    [ -f "$ETC/agent.properties" ] && die "$ETC/agent.properties exists: this server is installed (upgrade, or uninstall --purge first)"
    install -m 0640 "$config" "$ETC/agent.properties"
    install -m 0644 "$keys/policy-signing.pub" "$keys/feed-publisher.pub" "$ETC/keys/"
    install -m 0644 "$kafka_ca" "$ETC/kafka-ca.crt"
    install -d -m 0700 "$STATE" "$STATE/state"
    install -d -m 0755 "$INCLUDES"
    if live; then
      chgrp "$USER_NAME" "$ETC" "$ETC/keys" "$ETC/agent.properties"
      chown "$USER_NAME:$USER_NAME" "$STATE" "$STATE/state" "$INCLUDES"
      enrol
      systemctl daemon-reload
      systemctl enable --now "$UNIT_NAME"
      echo "Installed and started; follow it with: journalctl -u $UNIT_NAME -f"
    fi
    ;;
  upgrade)
    [ -n "$from" ] || die "upgrade needs --from"
    [ -f "$ETC/agent.properties" ] || die "not installed here (no $ETC/agent.properties)"
    # what is applied and the server's key stay: the new agent reads the same state and does not apply twice
    live && systemctl stop "$UNIT_NAME"
    install_app
    live && { systemctl daemon-reload; systemctl start "$UNIT_NAME"; }
    echo "Upgraded; configuration and state kept."
    ;;
  uninstall)
    if live; then systemctl disable --now "$UNIT_NAME" 2>/dev/null || true; fi
    rm -f "$UNIT"; rm -rf "$OPT"
    live && systemctl daemon-reload
    if $purge; then
      # the server's key and its record of what it applied go; what is in force in nginx goes too, after nginx -t
      # nginx.conf must no longer include them: checked with nginx -t before anything is deleted
      if live; then
        aside="$(mktemp -d)"
        mv "$INCLUDES"/* "$aside"/ 2>/dev/null || true
        if ! nginx -t; then
          mv "$aside"/* "$INCLUDES"/ 2>/dev/null || true
          die "nginx.conf still includes $INCLUDES: remove those include lines, then uninstall --purge again"
        fi
        nginx -s reload; rm -rf "$aside"
      else
        rm -f "$INCLUDES"/*
      fi
      rm -rf "$ETC" "$STATE"
      echo "Removed with its configuration, state and the mitigations it had put in nginx; unenrol the server in the policy service."
    else
      echo "Removed the agent; its configuration ($ETC), state ($STATE) and the mitigations in force ($INCLUDES) stay."
      echo "An emergency mitigation keeps protecting the server until it is removed; uninstall --purge removes it."
    fi
    ;;
  *) die "unknown action $action: install, upgrade or uninstall" ;;
esac
