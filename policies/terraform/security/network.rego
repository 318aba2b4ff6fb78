# terraform.security.network: nothing may accept inbound traffic from the
# whole internet (0.0.0.0/0 or ::/0).
#
#   deny_open_ingress   high; critical when the open ports include SSH (22)
#                       or RDP (3389), or all traffic is allowed
#
# Judged on what terraform will create or update (change.after) and on drift:
# a rule opened by hand in the console shows in resource_drift with its real
# state, and is denied although the code is fine.
#
# Resources and the provider attributes read:
#   aws_security_group                  ingress[*]: protocol, from_port, to_port, cidr_blocks, ipv6_cidr_blocks
#   aws_security_group_rule             type "ingress", same attributes
#   aws_vpc_security_group_ingress_rule ip_protocol, from_port, to_port, cidr_ipv4, cidr_ipv6
#   google_compute_firewall             direction "INGRESS" (or unset), disabled, source_ranges, allow[*]: protocol, ports
#   azurerm_network_security_rule       direction "Inbound", access "Allow", protocol,
#                                       source_address_prefix(es), destination_port_range(s)
#   azurerm_network_security_group      security_rule[*]: the same attributes
#
# A public load balancer or bastion that must be open is waived with an
# exception in this package (from your own policy directory, loaded with
# --policy DIR --bundled), e.g.
#
#     package terraform.security.network
#     exception contains "open_ingress" if input.context.root == "infra/edge"
package terraform.security.network

import data.terraform.lib.tfplan

# Sources meaning "anyone": CIDRs, and Azure's wildcard and service tags.
open_sources := {"0.0.0.0/0", "::/0", "*", "internet", "any"}

admin_ports := {22: "SSH", 3389: "RDP"}

# Protocols that mean every protocol and port (AWS -1, GCP all).
all_protocols := {"-1", "all"}

# Protocols whose rules have ports. "any" is Azure's "*": every protocol,
# but still limited to the rule's port ranges.
port_protocols := {"tcp", "udp", "sctp", "6", "17", "132", "any"}

every_port := [[0, 65535]]

deny_open_ingress contains {
	"msg": sprintf("%s: %s allows %s from %s%s%s", [e.address, e.where, e.traffic, e.source, admin_note(e), tfplan.origin_note(e)]),
	"resource": e.address,
	"severity": severity(e),
} if {
	some e in exposures
}

severity(e) := "critical" if count(e.admin) > 0

else := "high"

admin_note(e) := sprintf(" (exposes %s)", [concat(", ", sort(e.admin))]) if count(e.admin) > 0

else := ""

# exposure describes one way in from the internet:
#   {"address", "origin", "where", "source", "traffic", "admin": set of "SSH"/"RDP"}
exposure(subject, where, source, protocol, ranges) := {
	"address": subject.address,
	"origin": subject.origin,
	"where": where,
	"source": source,
	"traffic": traffic(protocol, ranges),
	"admin": admin_services(protocol, ranges),
}

open(source) if lower(trim_space(source)) in open_sources

protocol_name(p) := "any" if p == "*"

else := lower(sprintf("%v", [p]))

traffic(protocol, ranges) := "all traffic" if protocol in all_protocols

else := sprintf("%s %s", [protocol_label(protocol), ports_label(ranges)]) if protocol in port_protocols

else := sprintf("protocol %s", [protocol])

protocol_label(p) := "any protocol on" if p == "any"

else := p

ports_label(ranges) := "all ports" if ranges == every_port

else := sprintf("port %d", [ranges[0][0]]) if {
	count(ranges) == 1
	ranges[0][0] == ranges[0][1]
} else := sprintf("ports %s", [concat(", ", [range_label(r) | some r in ranges])])

range_label(r) := sprintf("%d", [r[0]]) if r[0] == r[1]

else := sprintf("%d-%d", r)

admin_services(protocol, ranges) := {name | some name in admin_ports} if protocol in all_protocols

else := {name |
	some port, name in admin_ports
	some r in ranges
	r[0] <= port
	port <= r[1]
} if {
	protocol in port_protocols
}

else := set()

# port_range reads "22", "8000-8080", "*" (or a number) as [from, to].
port_range(s) := [s, s] if is_number(s)

port_range(s) := [0, 65535] if s == "*"

port_range(s) := [to_number(m[1]), to_number(m[2])] if {
	is_string(s)
	m := regex.find_all_string_submatch_n(`^\s*(\d+)\s*-\s*(\d+)\s*$`, s, 1)[0]
}

port_range(s) := [to_number(n), to_number(n)] if {
	is_string(s)
	regex.match(`^\s*\d+\s*$`, s)
	n := trim_space(s)
}

# listed_ranges reads a list of port ranges; none listed means every port
# (a GCP allow block without ports).
listed_ranges(ports) := every_port if count(ports) == 0

else := [port_range(p) | some p in ports]

# AWS: from_port/to_port, all ports when the protocol is -1 (or unset ports).
aws_ranges(protocol, r) := every_port if protocol in all_protocols

else := [[r.from_port, r.to_port]] if {
	is_number(r.from_port)
	is_number(r.to_port)
} else := every_port

# ---- AWS ----

exposures contains exposure(s, "ingress rule", source, protocol, aws_ranges(protocol, rule)) if {
	some s in tfplan.subjects
	s.type == "aws_security_group"
	some rule in tfplan.list(s.values, "ingress")
	some source in array.concat(tfplan.list(rule, "cidr_blocks"), tfplan.list(rule, "ipv6_cidr_blocks"))
	open(source)
	protocol := protocol_name(rule.protocol)
}

exposures contains exposure(s, "ingress rule", source, protocol, aws_ranges(protocol, s.values)) if {
	some s in tfplan.subjects
	s.type == "aws_security_group_rule"
	s.values.type == "ingress"
	some source in array.concat(tfplan.list(s.values, "cidr_blocks"), tfplan.list(s.values, "ipv6_cidr_blocks"))
	open(source)
	protocol := protocol_name(s.values.protocol)
}

exposures contains exposure(s, "ingress rule", source, protocol, aws_ranges(protocol, s.values)) if {
	some s in tfplan.subjects
	s.type == "aws_vpc_security_group_ingress_rule"
	some source in array.concat(tfplan.list(s.values, "cidr_ipv4"), tfplan.list(s.values, "cidr_ipv6"))
	open(source)
	protocol := protocol_name(s.values.ip_protocol)
}

# ---- Google Cloud ----

exposures contains exposure(s, "firewall", source, protocol, ranges) if {
	some s in tfplan.subjects
	s.type == "google_compute_firewall"
	upper(tfplan.get(s.values, "direction", "INGRESS")) == "INGRESS"
	tfplan.get(s.values, "disabled", false) != true
	some source in tfplan.list(s.values, "source_ranges")
	open(source)
	some allow in tfplan.list(s.values, "allow")
	protocol := protocol_name(allow.protocol)
	ranges := listed_ranges(tfplan.list(allow, "ports"))
}

# ---- Azure ----

# azure_rules: [resource, where, rule attributes] of every Azure rule.
azure_rules contains [{"address": s.address, "origin": s.origin}, "security rule", s.values] if {
	some s in tfplan.subjects
	s.type == "azurerm_network_security_rule"
}

azure_rules contains [{"address": s.address, "origin": s.origin}, sprintf("security rule %q", [tfplan.get(rule, "name", "")]), rule] if {
	some s in tfplan.subjects
	s.type == "azurerm_network_security_group"
	some rule in tfplan.list(s.values, "security_rule")
}

exposures contains exposure(s, where, source, protocol, ranges) if {
	some [s, where, rule] in azure_rules
	lower(tfplan.get(rule, "direction", "")) == "inbound"
	lower(tfplan.get(rule, "access", "")) == "allow"
	some source in non_empty(array.concat(tfplan.list(rule, "source_address_prefix"), tfplan.list(rule, "source_address_prefixes")))
	open(source)
	protocol := protocol_name(tfplan.get(rule, "protocol", "*"))
	ranges := listed_ranges(non_empty(array.concat(tfplan.list(rule, "destination_port_range"), tfplan.list(rule, "destination_port_ranges"))))
}

non_empty(xs) := [x | some x in xs; x != ""]
