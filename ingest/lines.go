package ingest

import (
	"bufio"
	"bytes"
	"io"
)

// lineReader splits a stream into lines without ever holding more than one
// line within the limit: a longer line is counted and skipped as it streams
// past, so one 4 GB line costs no more memory than a short one.
type lineReader struct {
	br  *bufio.Reader // sized MaxLineBytes+2
	num int           // number of the line last returned, 1-based
}

// next returns the next line without its "\n" or "\r\n". The slice is valid
// until the following call. A line over MaxLineBytes comes back as long, its
// length in bytes, with no content. At the end of input err is io.EOF.
func (l *lineReader) next() (line []byte, long int64, err error) {
	b, err := l.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		l.num++
		n := int64(len(b))
		var prevLast byte // last byte of the chunk before b
		for err == bufio.ErrBufferFull {
			if len(b) > 0 {
				prevLast = b[len(b)-1]
			}
			b, err = l.br.ReadSlice('\n')
			n += int64(len(b))
		}
		if err != nil && err != io.EOF {
			return nil, 0, err
		}
		// Don't count the line ending, whose "\r" may end the previous chunk.
		if len(b) > 0 && b[len(b)-1] == '\n' {
			n--
			if len(b) > 1 && b[len(b)-2] == '\r' || len(b) == 1 && prevLast == '\r' {
				n--
			}
		}
		return nil, n, nil
	}
	if len(b) == 0 && err == io.EOF {
		return nil, 0, io.EOF
	}
	if err != nil && err != io.EOF {
		return nil, 0, err
	}
	l.num++
	b = bytes.TrimSuffix(b, []byte("\n"))
	b = bytes.TrimSuffix(b, []byte("\r"))
	if len(b) > MaxLineBytes {
		return nil, int64(len(b)), nil
	}
	return b, 0, nil
}
