// Package paperhound is the domain every other package speaks: papers,
// days, votes and users, and the kinds of error that cross the layers.
// It is a leaf: it imports nothing of the project. schema stores these
// types, embed and recommend read them, api turns the error kinds into HTTP
// statuses (one table, for JSON and HTML alike).
package paperhound
