package api

// PublicMaxAge is publicMaxAge, for the tests outside the package.
const PublicMaxAge = publicMaxAge
