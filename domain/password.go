package domain

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters of new hashes: 19 MiB, 2 passes, 1 lane (the OWASP
// minimum). Every hash carries its own parameters, so a hash verifies
// whatever the current setting is.
const (
	argonMemory  = 19 * 1024
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
)

// hashCost is what HashPassword uses: the constants above, except in test
// binaries that call UseLightPasswordHashing.
var hashCost = struct{ memory, time uint32 }{argonMemory, argonTime}

// UseLightPasswordHashing makes new hashes cheap (1 MiB, 1 pass): the same
// algorithm and code path, at a cost a test suite of thousands of sign-ins
// can afford under the race detector (a production hash takes about 350 ms
// there). Only for TestMain, before any hash is made; production never calls it.
func UseLightPasswordHashing() {
	hashCost.memory, hashCost.time = 1024, 1
}

// HashPassword returns an encoded argon2id hash with a random salt.
func HashPassword(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	m, t := hashCost.memory, hashCost.time
	key := argon2.IDKey([]byte(password), salt, t, m, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, m, t, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// dummyHash is compared against when the email is unknown, so an unknown
// address costs the same work as a wrong password. Made on first use, so it
// has the same cost as the users' hashes.
var dummyHash = sync.OnceValue(func() string {
	h, _ := HashPassword("needmatch-dummy-password-for-timing")
	return h
})

// CheckPasswordHash reports whether password matches the encoded hash.
func CheckPasswordHash(encoded, password string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m > 1<<20 || t > 16 || p == 0 {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}
