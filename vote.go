package paperhound

import "time"

// Vote is a user's opinion of a paper: +1 upvote, -1 hide.
type Vote struct {
	User  string    `db:"user_name" json:"user"`
	Paper string    `db:"paper_id" json:"paper"`
	Value int       `db:"value" json:"value"`
	At    time.Time `db:"at" json:"at"`
}
