"""Network area: does the name resolve, does the port answer, who listens on it.

The ladder a person climbs when "the browser cannot reach my notebook": resolve the
name, connect, look at the listener on this machine. Each rung has its own check
(checks/dns.py, checks/port_tcp.py, checks/port_listen.py); they share one lookup and one
connect per target through `checks.netcommon`. This module is the area's list.
"""

from __future__ import annotations

from srvdoctor.checks.dns import NetDns
from srvdoctor.checks.port_listen import PortListen
from srvdoctor.checks.port_tcp import PortTcp

__all__ = ["CHECKS", "NetDns", "PortListen", "PortTcp"]

CHECKS = (NetDns, PortTcp, PortListen)
