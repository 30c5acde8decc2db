package ingest

import "testing"

// arxivSample is the first record of the Kaggle snapshot, as it is in the file.
const arxivSample = `{"id":"0704.0001","submitter":"Pavel Nadolsky","authors":"C. Bal\\'azs, E. L. Berger, P. M. Nadolsky, C.-P. Yuan","title":"Calculation of prompt diphoton production cross sections at Tevatron\n  energies","comments":"37 pages, 15 figures; published version","journal-ref":"Phys.Rev.D76:013009,2007","doi":"10.1103/PhysRevD.76.013009","report-no":"ANL-HEP-PR-07-12","categories":"hep-ph math.CO","license":null,"abstract":"  A fully differential calculation in perturbative quantum chromodynamics is\npresented for the production of massive photon pairs at hadron colliders.\n","versions":[{"version":"v1","created":"Mon, 2 Apr 2007 19:18:42 GMT"},{"version":"v2","created":"Tue, 24 Jul 2007 20:10:27 GMT"}],"update_date":"2008-11-13","authors_parsed":[["Bal\\'azs","C.",""],["Berger","E. L.",""],["Nadolsky","P. M.",""],["Yuan","C. -P.",""]]}`

func TestReadPapersArxiv(t *testing.T) {
	tests := []readCase{{
		name:  "the snapshot's first record",
		input: arxivSample + "\n",
		papers: []string{"1: 0704.0001 | Calculation of prompt diphoton production cross sections at Tevatron energies | " +
			"A fully differential calculation in perturbative quantum chromodynamics is presented for the production of massive photon pairs at hadron colliders. | " +
			"C. Balázs; E. L. Berger; P. M. Nadolsky; C. -P. Yuan | 2007-04-02 | https://arxiv.org/abs/0704.0001 | hep-ph math.CO | 0 | doi 10.1103/physrevd.76.013009"},
	}, {
		name:   "no authors_parsed: the authors string is split",
		input:  `{"id":"math/0601001","submitter":"X","authors":"K. G\\\"odel,  {\\v S}. Koda and J. Doe","title":"T","categories":"math.LO","abstract":"A","update_date":"2006-01-02"}`,
		papers: []string{"1: math/0601001 | T | A | K. Gödel; Š. Koda; J. Doe | 2006-01-02 | https://arxiv.org/abs/math/0601001 | math.LO | 0"},
	}, {
		name:   "suffixes and an empty version list",
		input:  `{"id":"1","title":"T","versions":[],"update_date":"2020-02-29","authors_parsed":[["Smith","John","Jr"],["Erdős","Pál",""],["Collaboration","",""]]}`,
		papers: []string{"1: 1 | T |  | John Smith Jr; Pál Erdős; Collaboration | 2020-02-29 | https://arxiv.org/abs/1 |  | 0"},
	}, {
		name:   "categories as a list",
		input:  `{"id":"1","title":"T","submitter":"S","categories":["cs.CL","cs.LG"]}`,
		papers: []string{"1: 1 | T |  |  |  | https://arxiv.org/abs/1 | cs.CL cs.LG | 0"},
	}, {
		name:     "bad version date",
		input:    `{"id":"1","title":"T","versions":[{"version":"v1","created":"2 April 2007"}]}`,
		problems: []string{`x.jsonl:1: invalid date "2 April 2007" in "versions[0].created": want RFC 1123, like "Mon, 2 Apr 2007 19:18:42 GMT"`},
	}, {
		name:     "bad update_date",
		input:    `{"id":"1","title":"T","update_date":"13/11/2008"}`,
		problems: []string{`x.jsonl:1: invalid date "13/11/2008": want YYYY-MM-DD`},
	}, {
		name:     "authors_parsed of the wrong shape",
		input:    `{"id":"1","title":"T","authors_parsed":["Balazs, C."]}`,
		problems: []string{`x.jsonl:1: "authors_parsed" must be a list of [last, first, suffix] lists, got a string at [0]`},
	}, {
		name:     "missing title",
		input:    `{"id":"0704.0002","submitter":"S","abstract":"A"}`,
		problems: []string{`x.jsonl:1: missing "title"`},
	}}
	runReadCases(t, tests)
}
