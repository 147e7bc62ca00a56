package api

import (
	"fmt"
	"net"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// proxies are the addresses whose X-Forwarded-For is believed.
type proxies []*net.IPNet

// parseProxies reads NEEDMATCH_TRUSTED_PROXIES' entries: IPs or CIDRs.
func parseProxies(list []string) (proxies, error) {
	var ps proxies
	for _, s := range list {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if !strings.Contains(s, "/") {
			ip := net.ParseIP(s)
			if ip == nil {
				return nil, fmt.Errorf("trusted proxy %q is not an IP address or CIDR", s)
			}
			bits := 128
			if ip.To4() != nil {
				ip, bits = ip.To4(), 32
			}
			ps = append(ps, &net.IPNet{IP: ip, Mask: net.CIDRMask(bits, bits)})
			continue
		}
		_, n, err := net.ParseCIDR(s)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q is not an IP address or CIDR", s)
		}
		ps = append(ps, n)
	}
	return ps, nil
}

func (ps proxies) trust(ip net.IP) bool {
	for _, n := range ps {
		if n.Contains(ip) {
			return true
		}
	}
	return false
}

// clientIP is the address rate limits and the metrics gate key on. It is the
// connection's peer, unless the peer is a trusted proxy: then it is the
// right-most X-Forwarded-For address that is not a trusted proxy. Proxies
// append what they saw, so everything to the left of that is what the
// client chose to write and is never believed.
func (s *Server) clientIP(c *fiber.Ctx) string {
	peer := c.Context().RemoteIP()
	if !s.proxies.trust(peer) {
		return peer.String()
	}
	hops := c.Request().Header.PeekAll(fiber.HeaderXForwardedFor)
	var list []string
	for _, h := range hops {
		list = append(list, strings.Split(string(h), ",")...)
	}
	for i := len(list) - 1; i >= 0; i-- {
		ip := net.ParseIP(strings.TrimSpace(list[i]))
		if ip == nil {
			break // a proxy never appends garbage: what is left of it is the client's
		}
		if !s.proxies.trust(ip) {
			return ip.String()
		}
	}
	return peer.String()
}
