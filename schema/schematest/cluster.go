package schematest

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// PostgresCluster is a PostgreSQL server of the test's own, in a temporary
// folder, for fault tests that stop and start it: the shared test server
// must never be stopped under the other tests.
type PostgresCluster struct {
	t        testing.TB
	bin, dir string
	port     int
	settings []string
	cred     *syscall.Credential // the postgres user's when the test runs as root
	server   *exec.Cmd
	exited   chan struct{} // closed once server has exited
}

// Cluster initialises a new cluster (initdb), starts it on a free port of
// 127.0.0.1 with trust authentication, and stops it and removes its folder
// at cleanup. settings are extra server settings such as
// "max_connections=20". Without PostgreSQL's binaries the test is skipped,
// or fails when EnvPostgres asks for PostgreSQL.
//
// Each call costs about a second (initdb): clusters are not shared, so
// that a test stopping its server cannot fail another.
func Cluster(t testing.TB, settings ...string) *PostgresCluster {
	t.Helper()
	c, err := initCluster(t, settings)
	if err != nil {
		if os.Getenv(EnvPostgres) != "" {
			t.Fatalf("private PostgreSQL cluster: %v", err)
		}
		t.Skipf("private PostgreSQL cluster skipped: %v; set %s to require one", err, EnvPostgres)
	}
	c.Start()
	return c
}

// initCluster finds the binaries and runs initdb, or says why it cannot.
func initCluster(t testing.TB, settings []string) (*PostgresCluster, error) {
	bin, err := postgresBin()
	if err != nil {
		return nil, err
	}
	c := &PostgresCluster{t: t, bin: bin, settings: settings}
	if os.Geteuid() == 0 {
		// PostgreSQL refuses to run as root.
		if c.cred, err = postgresUser(); err != nil {
			return nil, err
		}
	}
	// Not t.TempDir: its parents are private to root, and the server may
	// run as another user.
	c.dir, err = os.MkdirTemp("", "paperhound-pg-")
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { os.RemoveAll(c.dir) })
	if c.cred != nil {
		if err := os.Chown(c.dir, int(c.cred.Uid), int(c.cred.Gid)); err != nil {
			return nil, err
		}
	}
	out, err := c.command("initdb", "-D", c.data(), "-A", "trust", "-U", "postgres",
		"--no-locale", "-E", "UTF8", "--no-sync").CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("initdb: %w\n%s", err, out)
	}
	if c.port, err = freePort(); err != nil {
		return nil, err
	}
	t.Cleanup(c.stop)
	return c, nil
}

// URL is the server's postgres database, as the superuser postgres.
func (c *PostgresCluster) URL() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", c.port)
}

// Start starts the stopped server, on the same port, and waits until it
// accepts connections.
func (c *PostgresCluster) Start() {
	c.t.Helper()
	args := []string{"-D", c.data(), "-p", strconv.Itoa(c.port), "-k", c.dir,
		"-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "full_page_writes=off",
		"-c", "synchronous_commit=off", "-c", "shared_buffers=16MB"}
	for _, s := range c.settings {
		args = append(args, "-c", s)
	}
	logFile, err := os.Create(filepath.Join(c.dir, "server.log"))
	if err != nil {
		c.t.Fatal(err)
	}
	defer logFile.Close()
	cmd := c.command("postgres", args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Should the test binary die, the server goes with it.
	cmd.SysProcAttr.Pdeathsig = syscall.SIGQUIT
	if err := cmd.Start(); err != nil {
		c.t.Fatalf("start PostgreSQL: %v", err)
	}
	c.server, c.exited = cmd, make(chan struct{})
	go func() { cmd.Wait(); close(c.exited) }()

	db, err := sql.Open("postgres", c.URL())
	if err != nil {
		c.t.Fatal(err)
	}
	defer db.Close()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := db.PingContext(ctx)
		cancel()
		select {
		case <-c.exited:
			c.t.Fatalf("PostgreSQL exited at start-up: %s", c.log())
		default:
		}
		switch {
		case err == nil:
			return
		case time.Now().After(deadline):
			c.t.Fatalf("PostgreSQL did not accept connections in 30s: %v\n%s", err, c.log())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop stops the server as an administrator would (a fast shutdown: open
// connections are ended) and waits until it has exited.
func (c *PostgresCluster) Stop() {
	c.t.Helper()
	if c.server == nil {
		c.t.Fatal("Stop: the cluster is not running")
	}
	c.server.Process.Signal(syscall.SIGINT)
	select {
	case <-c.exited:
	case <-time.After(30 * time.Second):
		c.server.Process.Kill()
		<-c.exited
		c.t.Fatalf("PostgreSQL did not stop in 30s: %s", c.log())
	}
	c.server = nil
}

// stop stops a running server at cleanup.
func (c *PostgresCluster) stop() {
	if c.server != nil {
		c.Stop()
	}
}

func (c *PostgresCluster) data() string { return filepath.Join(c.dir, "data") }

func (c *PostgresCluster) log() string {
	b, _ := os.ReadFile(filepath.Join(c.dir, "server.log"))
	return string(b)
}

// command runs a PostgreSQL binary as the user the cluster belongs to.
func (c *PostgresCluster) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(c.bin, name), args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	cmd.Dir = c.dir
	return cmd
}

// postgresBin is the folder of initdb and postgres: on PATH, or the newest
// of Debian's /usr/lib/postgresql/VERSION/bin.
func postgresBin() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(found) == 0 {
		return "", fmt.Errorf("no initdb on PATH or in /usr/lib/postgresql/*/bin")
	}
	slices.SortFunc(found, func(a, b string) int { return version(a) - version(b) })
	return filepath.Dir(found[len(found)-1]), nil
}

// version is the major version in /usr/lib/postgresql/VERSION/bin/initdb.
func version(initdb string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(initdb))))
	return n
}

func postgresUser() (*syscall.Credential, error) {
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("running as root, and PostgreSQL must not: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// freePort is a TCP port of 127.0.0.1 that nothing listens on now.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
