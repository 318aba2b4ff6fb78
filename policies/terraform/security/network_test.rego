package terraform.security.network_test

import data.terraform.security.network

rc(addr, type, actions, before, after) := {
	"address": addr,
	"mode": "managed",
	"type": type,
	"name": split(addr, ".")[1],
	"index": null,
	"module_address": "",
	"provider_name": "registry.terraform.io/hashicorp/aws",
	"change": {"actions": actions, "before": before, "after": after, "after_unknown": {}, "before_sensitive": {}, "after_sensitive": {}},
}

plan(changes, drifts) := {
	"resource_changes": {r.address: r | some r in changes},
	"resource_drift": {r.address: r | some r in drifts},
	"output_changes": {},
	"variables": {},
	"drift": {"status": "changed", "drifted": [], "attributes": {}},
	"context": {"event": "pull_request", "root": "infra/network", "target": "default", "workspace": ""},
}

created(addr, type, after) := plan([rc(addr, type, ["create"], null, after)], [])

# msgs gives [msg, severity] of each deny, after checking that every deny
# names its resource first.
msgs(inp) := {[d.msg, d.severity] | some d in denies} if {
	denies := network.deny_open_ingress with input as inp
	every d in denies {
		startswith(d.msg, concat("", [d.resource, ": "]))
	}
}

# ---- aws_security_group (inline ingress) ----

ingress(protocol, from, to, v4, v6) := {
	"description": "managed by terraform",
	"protocol": protocol,
	"from_port": from,
	"to_port": to,
	"cidr_blocks": v4,
	"ipv6_cidr_blocks": v6,
	"prefix_list_ids": [],
	"security_groups": [],
	"self": false,
}

sg(rules) := {
	"name": "web",
	"vpc_id": "vpc-0abc",
	"ingress": rules,
	"egress": [ingress("-1", 0, 0, ["0.0.0.0/0"], ["::/0"])],
	"tags": {"Name": "web"},
}

test_sg_private_ingress_passes if {
	inp := created("aws_security_group.web", "aws_security_group", sg([ingress("tcp", 22, 22, ["10.0.0.0/8"], []), ingress("tcp", 443, 443, ["172.16.0.0/12"], null)]))
	count(network.deny_open_ingress) == 0 with input as inp
}

test_sg_open_egress_passes if {
	inp := created("aws_security_group.web", "aws_security_group", sg([]))
	count(network.deny_open_ingress) == 0 with input as inp
}

test_sg_open_https_high if {
	inp := created("aws_security_group.web", "aws_security_group", sg([ingress("tcp", 443, 443, ["0.0.0.0/0"], ["::/0"])]))
	network.deny_open_ingress == {
		{"msg": "aws_security_group.web: ingress rule allows tcp port 443 from 0.0.0.0/0", "resource": "aws_security_group.web", "severity": "high"},
		{"msg": "aws_security_group.web: ingress rule allows tcp port 443 from ::/0", "resource": "aws_security_group.web", "severity": "high"},
	} with input as inp
}

test_sg_open_ssh_critical if {
	inp := plan(
		[rc("aws_security_group.web", "aws_security_group", ["update"], sg([]), sg([ingress("tcp", 22, 22, ["203.0.113.0/24", "0.0.0.0/0"], [])]))],
		[],
	)
	msgs(inp) == {["aws_security_group.web: ingress rule allows tcp port 22 from 0.0.0.0/0 (exposes SSH)", "critical"]}
}

test_sg_port_range_covering_rdp_critical if {
	inp := created("aws_security_group.web", "aws_security_group", sg([ingress("tcp", 3000, 4000, ["0.0.0.0/0"], [])]))
	msgs(inp) == {["aws_security_group.web: ingress rule allows tcp ports 3000-4000 from 0.0.0.0/0 (exposes RDP)", "critical"]}
}

test_sg_all_traffic_critical if {
	inp := created("aws_security_group.web", "aws_security_group", sg([ingress("-1", 0, 0, [], ["::/0"])]))
	msgs(inp) == {["aws_security_group.web: ingress rule allows all traffic from ::/0 (exposes RDP, SSH)", "critical"]}
}

test_sg_open_icmp_high_not_critical if {
	# for ICMP from_port/to_port are type and code, not ports
	inp := created("aws_security_group.web", "aws_security_group", sg([ingress("icmp", 8, 22, ["0.0.0.0/0"], [])]))
	msgs(inp) == {["aws_security_group.web: ingress rule allows protocol icmp from 0.0.0.0/0", "high"]}
}

# ---- aws_security_group_rule ----

sg_rule(type, protocol, from, to, v4) := {
	"type": type,
	"security_group_id": "sg-0123",
	"protocol": protocol,
	"from_port": from,
	"to_port": to,
	"cidr_blocks": v4,
	"ipv6_cidr_blocks": null,
	"self": false,
	"source_security_group_id": null,
}

test_sg_rule_ingress_rdp_critical if {
	inp := created("aws_security_group_rule.rdp", "aws_security_group_rule", sg_rule("ingress", "tcp", 3389, 3389, ["0.0.0.0/0"]))
	msgs(inp) == {["aws_security_group_rule.rdp: ingress rule allows tcp port 3389 from 0.0.0.0/0 (exposes RDP)", "critical"]}
}

test_sg_rule_egress_passes if {
	inp := created("aws_security_group_rule.out", "aws_security_group_rule", sg_rule("egress", "-1", 0, 0, ["0.0.0.0/0"]))
	count(network.deny_open_ingress) == 0 with input as inp
}

test_sg_rule_from_security_group_passes if {
	inp := created("aws_security_group_rule.lb", "aws_security_group_rule", object.union(sg_rule("ingress", "tcp", 22, 22, null), {"source_security_group_id": "sg-0lb"}))
	count(network.deny_open_ingress) == 0 with input as inp
}

# ---- aws_vpc_security_group_ingress_rule ----

vpc_rule(protocol, from, to, v4, v6) := {
	"security_group_id": "sg-0123",
	"ip_protocol": protocol,
	"from_port": from,
	"to_port": to,
	"cidr_ipv4": v4,
	"cidr_ipv6": v6,
	"referenced_security_group_id": null,
}

test_vpc_rule_https_high if {
	inp := created("aws_vpc_security_group_ingress_rule.https", "aws_vpc_security_group_ingress_rule", vpc_rule("tcp", 443, 443, "0.0.0.0/0", null))
	msgs(inp) == {["aws_vpc_security_group_ingress_rule.https: ingress rule allows tcp port 443 from 0.0.0.0/0", "high"]}
}

test_vpc_rule_all_protocols_critical if {
	# ip_protocol -1 has no ports: every port is open
	inp := created("aws_vpc_security_group_ingress_rule.all", "aws_vpc_security_group_ingress_rule", vpc_rule("-1", null, null, null, "::/0"))
	msgs(inp) == {["aws_vpc_security_group_ingress_rule.all: ingress rule allows all traffic from ::/0 (exposes RDP, SSH)", "critical"]}
}

test_vpc_rule_private_passes if {
	inp := created("aws_vpc_security_group_ingress_rule.ssh", "aws_vpc_security_group_ingress_rule", vpc_rule("tcp", 22, 22, "10.20.0.0/16", null))
	count(network.deny_open_ingress) == 0 with input as inp
}

# ---- google_compute_firewall ----

firewall(direction, ranges, allow) := {
	"name": "allow-web",
	"network": "default",
	"direction": direction,
	"disabled": false,
	"priority": 1000,
	"source_ranges": ranges,
	"source_tags": null,
	"target_tags": ["web"],
	"allow": allow,
	"deny": [],
}

test_gcp_firewall_ssh_critical_direction_unset if {
	inp := created("google_compute_firewall.ssh", "google_compute_firewall", firewall(null, ["0.0.0.0/0"], [{"protocol": "tcp", "ports": ["22"]}]))
	msgs(inp) == {["google_compute_firewall.ssh: firewall allows tcp port 22 from 0.0.0.0/0 (exposes SSH)", "critical"]}
}

test_gcp_firewall_web_ports_high if {
	inp := created("google_compute_firewall.web", "google_compute_firewall", firewall("INGRESS", ["0.0.0.0/0"], [{"protocol": "tcp", "ports": ["80", "443", "8000-8080"]}, {"protocol": "icmp", "ports": []}]))
	msgs(inp) == {
		["google_compute_firewall.web: firewall allows tcp ports 80, 443, 8000-8080 from 0.0.0.0/0", "high"],
		["google_compute_firewall.web: firewall allows protocol icmp from 0.0.0.0/0", "high"],
	}
}

test_gcp_firewall_all_ports_critical if {
	# an allow block without ports opens every port of the protocol
	inp := created("google_compute_firewall.any", "google_compute_firewall", firewall("INGRESS", ["::/0"], [{"protocol": "udp", "ports": []}, {"protocol": "all", "ports": null}]))
	msgs(inp) == {
		["google_compute_firewall.any: firewall allows udp all ports from ::/0 (exposes RDP, SSH)", "critical"],
		["google_compute_firewall.any: firewall allows all traffic from ::/0 (exposes RDP, SSH)", "critical"],
	}
}

test_gcp_firewall_not_open_passes if {
	inp := plan(
		[
			rc("google_compute_firewall.egress", "google_compute_firewall", ["create"], null, firewall("EGRESS", null, [{"protocol": "tcp", "ports": ["22"]}])),
			rc("google_compute_firewall.iap", "google_compute_firewall", ["create"], null, firewall("INGRESS", ["35.235.240.0/20"], [{"protocol": "tcp", "ports": ["22"]}])),
			rc("google_compute_firewall.off", "google_compute_firewall", ["create"], null, object.union(firewall("INGRESS", ["0.0.0.0/0"], [{"protocol": "tcp", "ports": ["22"]}]), {"disabled": true})),
			rc("google_compute_firewall.block", "google_compute_firewall", ["create"], null, object.union(firewall("INGRESS", ["0.0.0.0/0"], []), {"deny": [{"protocol": "all", "ports": []}]})),
		],
		[],
	)
	count(network.deny_open_ingress) == 0 with input as inp
}

# ---- azurerm_network_security_rule / azurerm_network_security_group ----

nsg_rule(name, direction, access, protocol, source, sources, port, ports) := {
	"name": name,
	"priority": 100,
	"direction": direction,
	"access": access,
	"protocol": protocol,
	"source_port_range": "*",
	"source_port_ranges": [],
	"destination_port_range": port,
	"destination_port_ranges": ports,
	"source_address_prefix": source,
	"source_address_prefixes": sources,
	"destination_address_prefix": "*",
	"destination_address_prefixes": [],
	"description": "",
}

test_azure_rule_any_port_from_anywhere_critical if {
	inp := created("azurerm_network_security_rule.all", "azurerm_network_security_rule", object.union(nsg_rule("allow-all", "Inbound", "Allow", "Tcp", "*", [], "*", []), {"resource_group_name": "rg", "network_security_group_name": "nsg"}))
	msgs(inp) == {["azurerm_network_security_rule.all: security rule allows tcp all ports from * (exposes RDP, SSH)", "critical"]}
}

test_azure_rule_https_from_internet_high if {
	inp := created("azurerm_network_security_rule.https", "azurerm_network_security_rule", nsg_rule("https", "Inbound", "Allow", "*", "Internet", [], "443", []))
	msgs(inp) == {["azurerm_network_security_rule.https: security rule allows any protocol on port 443 from Internet", "high"]}
}

test_azure_rule_prefixes_and_port_ranges if {
	inp := created("azurerm_network_security_rule.mgmt", "azurerm_network_security_rule", nsg_rule("mgmt", "Inbound", "Allow", "Tcp", "", ["10.0.0.0/8", "0.0.0.0/0"], "", ["443", "3380-3390"]))
	msgs(inp) == {["azurerm_network_security_rule.mgmt: security rule allows tcp ports 443, 3380-3390 from 0.0.0.0/0 (exposes RDP)", "critical"]}
}

test_azure_rule_closed_passes if {
	inp := plan(
		[
			rc("azurerm_network_security_rule.deny", "azurerm_network_security_rule", ["create"], null, nsg_rule("deny-all", "Inbound", "Deny", "*", "*", [], "*", [])),
			rc("azurerm_network_security_rule.out", "azurerm_network_security_rule", ["create"], null, nsg_rule("out", "Outbound", "Allow", "*", "*", [], "*", [])),
			rc("azurerm_network_security_rule.vnet", "azurerm_network_security_rule", ["create"], null, nsg_rule("vnet", "Inbound", "Allow", "Tcp", "VirtualNetwork", [], "22", [])),
		],
		[],
	)
	count(network.deny_open_ingress) == 0 with input as inp
}

test_azure_nsg_inline_rules if {
	after := {"name": "app-nsg", "location": "westeurope", "security_rule": [
		nsg_rule("rdp", "Inbound", "Allow", "Tcp", "Any", [], "3389", []),
		nsg_rule("lb", "Inbound", "Allow", "Tcp", "AzureLoadBalancer", [], "*", []),
		nsg_rule("egress", "Outbound", "Allow", "*", "*", [], "*", []),
	]}
	inp := created("azurerm_network_security_group.app", "azurerm_network_security_group", after)
	msgs(inp) == {["azurerm_network_security_group.app: security rule \"rdp\" allows tcp port 3389 from Any (exposes RDP)", "critical"]}
}

# ---- plan shapes ----

test_deleted_and_noop_resources_pass if {
	open := sg([ingress("tcp", 22, 22, ["0.0.0.0/0"], [])])
	inp := plan(
		[
			rc("aws_security_group.old", "aws_security_group", ["delete"], open, null),
			rc("aws_security_group.same", "aws_security_group", ["no-op"], open, open),
		],
		[],
	)
	count(network.deny_open_ingress) == 0 with input as inp
}

test_replacement_judged_on_after if {
	open := sg([ingress("tcp", 22, 22, ["0.0.0.0/0"], [])])
	inp := plan([rc("aws_security_group.web", "aws_security_group", ["delete", "create"], sg([]), open)], [])
	count(network.deny_open_ingress) == 1 with input as inp
}

test_drift_opening_ssh_denied if {
	# Code unchanged; someone added 0.0.0.0/0:22 in the console. The plan
	# would remove it again, but the port is open now.
	closed := sg([ingress("tcp", 443, 443, ["10.0.0.0/8"], [])])
	opened := sg([ingress("tcp", 443, 443, ["10.0.0.0/8"], []), ingress("tcp", 22, 22, ["0.0.0.0/0"], [])])
	inp := plan(
		[rc("aws_security_group.web", "aws_security_group", ["update"], opened, closed)],
		[rc("aws_security_group.web", "aws_security_group", ["update"], closed, opened)],
	)
	network.deny_open_ingress == {{
		"msg": "aws_security_group.web: ingress rule allows tcp port 22 from 0.0.0.0/0 (exposes SSH) (drift: the real resource was changed outside terraform)",
		"resource": "aws_security_group.web",
		"severity": "critical",
	}} with input as inp
}

test_drift_closing_passes if {
	closed := sg([ingress("tcp", 443, 443, ["10.0.0.0/8"], [])])
	opened := sg([ingress("tcp", 443, 443, ["0.0.0.0/0"], [])])
	inp := plan([], [rc("aws_security_group.web", "aws_security_group", ["update"], opened, closed)])
	count(network.deny_open_ingress) == 0 with input as inp
}

test_unknown_values_do_not_fail_evaluation if {
	# values known only after apply are null in change.after
	inp := plan(
		[
			rc("aws_security_group_rule.x", "aws_security_group_rule", ["create"], null, sg_rule("ingress", null, null, null, null)),
			rc("google_compute_firewall.y", "google_compute_firewall", ["create"], null, firewall(null, null, null)),
			rc("azurerm_network_security_group.z", "azurerm_network_security_group", ["create"], null, {"security_rule": null}),
		],
		[],
	)
	count(network.deny_open_ingress) == 0 with input as inp
}

# A bastion subnet that must take SSH from anywhere: an exception waives
# deny_open_ingress for that root. What a user writes, in their own policy
# directory loaded with --policy DIR --bundled:
#
#     package terraform.security.network
#     exception contains "open_ingress" if input.context.root == "infra/bastion"
#
# drift-action still reports the deny, marked waived, and fails nothing for it.
# The same rule here, in the test package, so it never applies to real runs:
exception contains "open_ingress" if input.context.root == "infra/bastion"

test_exception_example if {
	inp := object.union(
		created("aws_security_group.bastion", "aws_security_group", sg([ingress("tcp", 22, 22, ["0.0.0.0/0"], [])])),
		{"context": {"root": "infra/bastion"}},
	)
	count(network.deny_open_ingress) == 1 with input as inp
	exception == {"open_ingress"} with input as inp
	is_set(network.deny_open_ingress) # "open_ingress" names deny_open_ingress
	count(exception) == 0 with input as object.union(inp, {"context": {"root": "infra/app"}})
}
