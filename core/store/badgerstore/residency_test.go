package badgerstore

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLogMappings(t *testing.T) {
	t.Parallel()
	const listing = `00400000-00452000 r-xp 00000000 08:02 173521      /usr/bin/acp
7f0000000000-7f0002000000 rw-s 00000000 fd:01 1001  /data/store/000002.vlog
7f0002000000-7f0002800000 rw-s 00000000 fd:01 1002  /data/store/000010.vlog
7f0003000000-7f0003100000 rw-s 00000000 fd:01 1003  /data/store/000003.vlog (deleted)
7f0004000000-7f0004100000 rw-s 00000000 fd:01 1004  /data/store/00001.mem
7f0005000000-7f0005100000 rw-s 00000000 fd:01 1005  /data/other/000004.vlog
7f0006000000-7f0006100000 rw-s 00000000 fd:01 1006  /data/store/sub/000005.vlog
7f0007000000-7f0007100000 rw-s 00000000 fd:01 1007  /data/store/notanumber.vlog
7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0     [stack]
`
	got, err := logMappings(strings.NewReader(listing), "/data/store")
	if err != nil {
		t.Fatal(err)
	}
	want := []logMapping{{fid: 10, start: 0x7f0002000000, end: 0x7f0002800000}, {fid: 2, start: 0x7f0000000000, end: 0x7f0002000000}}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(logMapping{})); diff != "" {
		t.Errorf("logMappings (-want +got):\n%s", diff)
	}
	if _, err := logMappings(strings.NewReader("zz-yy rw-s 0 fd:01 1 /data/store/000001.vlog\n"), "/data/store"); err == nil {
		t.Error("logMappings of an unreadable address range did not fail")
	}
}

func TestBeyondResident(t *testing.T) {
	t.Parallel()
	const mb = 1 << 20
	maps := []logMapping{{fid: 4, end: 32 * mb}, {fid: 3, end: 16 * mb}, {fid: 2, end: 16 * mb}, {fid: 1, end: 16 * mb}}
	testCases := map[string]struct {
		maps []logMapping
		keep uintptr
		want []int
	}{
		"all kept":               {maps, 80 * mb, nil},
		"the oldest beyond":      {maps, 64 * mb, []int{1}},
		"two beyond":             {maps, 50 * mb, []int{2, 1}},
		"the newest always kept": {maps, 0, []int{3, 2, 1}},
		"none":                   {nil, 0, nil},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var got []int
			for _, m := range beyondResident(tc.maps, tc.keep) {
				got = append(got, m.fid)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("beyondResident (-want +got):\n%s", diff)
			}
		})
	}
}
