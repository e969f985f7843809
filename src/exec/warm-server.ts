/**
 * The program a warm sandbox runs inside bubblewrap (Python 3.9+, standard library only), as text:
 * bound read-only into the sandbox by warm.ts. It serves one run at a time:
 *
 *   request (fd 0): one JSON line {mode, file, bytes, argv, env, limits, wall}, then `bytes` bytes of program
 *   output  (fd 1): the program's stdout and stderr (one pipe: the program's order kept), then the run's marker
 *   reply   (fd 3): one JSON line {timedOut, exit, signal, marker}
 *
 * Each run is a fresh process forked from the server: its own session, the request's kernel limits,
 * the sandbox's folder as its working folder, an environment of the request's. A Python program runs
 * in the forked process itself (no interpreter start: the server's imports are done once); any other
 * program (`mode: exec`) is exec'd there (Node). After each run every other process in the sandbox is
 * killed (kill(-1), repeated until /proc shows none), the writable folders are emptied and System V
 * IPC objects removed; then a marker drawn at random (the program could not know it) ends the run's
 * output, and the reply goes out: the next run starts from the state the first did. The server marks
 * itself not dumpable, so a program (same user id, no capabilities) can neither trace it nor read its
 * memory or descriptors; it can kill it, which ends the sandbox (warm.ts starts a fresh one). Anything
 * the server cannot clean makes it exit, with the same effect.
 *
 * Kept in a TypeScript string so the build ships it with the rest; no backticks or dollar-brace in it.
 */
export const WARM_SERVER_SOURCE = String.raw`
import ctypes, json, os, select, signal, sys, time, types, resource, traceback, atexit, builtins

LIBC = ctypes.CDLL(None, use_errno=True)
PR_SET_DUMPABLE = 4
WRITABLE = ('/sandbox', '/dev/shm')
# Requests arrive on 0, replies leave on 3; 1 is the programs' output (stdout and stderr), read by the host.
CONTROL = 3
LIMITS = {'cpu': resource.RLIMIT_CPU, 'as': resource.RLIMIT_AS, 'nproc': resource.RLIMIT_NPROC,
          'fsize': resource.RLIMIT_FSIZE, 'nofile': resource.RLIMIT_NOFILE}


def read_exact(count):
    data = bytearray()
    while len(data) < count:
        chunk = os.read(0, count - len(data))
        if not chunk:
            raise EOFError()
        data += chunk
    return bytes(data)


def read_line():
    data = bytearray()
    while True:
        byte = os.read(0, 1)
        if not byte:
            if data:
                raise EOFError()
            return None
        if byte == b'\n':
            return bytes(data)
        data += byte


def write_all(fd, data):
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def reply(fields):
    write_all(CONTROL, json.dumps(fields).encode() + b'\n')


def set_limits(limits):
    for name, value in limits.items():
        hard = value + 1 if name == 'cpu' else value
        resource.setrlimit(LIMITS[name], (value, hard))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def exit_status(error):
    code = error.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    try:
        sys.stderr.write(str(code) + '\n')
    except Exception:
        pass
    return 1


def run_python(path):
    LIBC.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)
    main = types.ModuleType('__main__')
    main.__file__ = path
    main.__builtins__ = builtins
    sys.modules['__main__'] = main
    sys.argv = [path]
    status = 1
    code = None
    try:
        with open(path, 'rb') as handle:
            source = handle.read()
        code = compile(source, path, 'exec')
        exec(code, main.__dict__)
        status = 0
    except SystemExit as error:
        status = exit_status(error)
    except BaseException:
        kind, value, trace = sys.exc_info()
        # A program that does not compile gets Python's own report (no traceback: none of its frames
        # are the program's); one that fails while it runs, a SyntaxError from exec() or an import
        # included, gets its traceback from its own code on (the first frame is this function's exec).
        traceback.print_exception(kind, value, None if code is None or trace is None else trace.tb_next)
        status = 1
    try:
        if 'threading' in sys.modules:
            sys.modules['threading']._shutdown()
        atexit._run_exitfuncs()
    except SystemExit as error:
        status = exit_status(error)
    except BaseException:
        traceback.print_exc()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:
        status = 120
    os._exit(status)


def child(request, path):
    try:
        os.setsid()
        null = os.open('/dev/null', os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(1, 2)
        os.closerange(3, 65536)
        os.chdir('/sandbox')
        os.environ.clear()
        os.environ.update(request['env'])
        set_limits(request['limits'])
        if request['mode'] == 'python':
            sys.stdout = open(1, 'w', encoding='utf-8', errors='backslashreplace', closefd=False)
            sys.stderr = open(2, 'w', encoding='utf-8', errors='backslashreplace', closefd=False, buffering=1)
            run_python(path)
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
        signal.signal(signal.SIGXFSZ, signal.SIG_DFL)
        os.execve(request['argv'][0], request['argv'], request['env'])
    except BaseException as error:
        try:
            write_all(2, ('tidepool-warm: could not start the program: %s\n' % (error,)).encode())
        finally:
            os._exit(127)


def others():
    me = os.getpid()
    return [int(name) for name in os.listdir('/proc') if name.isdigit() and int(name) not in (1, me)]


def reap():
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def kill_all():
    # kill(-1) reaches every process of this user in the sandbox but the server and the sandbox's init.
    for attempt in range(2000):
        try:
            os.kill(-1, signal.SIGKILL)
        except ProcessLookupError:
            pass
        reap()
        if not others():
            return
        time.sleep(0.001)
    raise RuntimeError('processes left in the sandbox after kill(-1): %s' % others())


def remove_tree(path):
    for name in os.listdir(path):
        full = os.path.join(path, name)
        if os.path.isdir(full) and not os.path.islink(full):
            os.chmod(full, 0o700)
            remove_tree(full)
            os.rmdir(full)
        else:
            os.unlink(full)


def remove_ipc():
    # System V IPC objects outlive their processes within the sandbox's IPC namespace.
    for kind, remove in (('shm', lambda ident: LIBC.shmctl(ident, 0, None)),
                         ('sem', lambda ident: LIBC.semctl(ident, 0, 0)),
                         ('msg', lambda ident: LIBC.msgctl(ident, 0, None))):
        with open('/proc/sysvipc/' + kind) as table:
            lines = table.read().splitlines()[1:]
        for line in lines:
            if remove(int(line.split()[1])) != 0:
                raise RuntimeError('cannot remove System V %s %s' % (kind, line.split()[1]))


def clean():
    kill_all()
    for folder in WRITABLE:
        remove_tree(folder)
    remove_ipc()


def wait_for(pid, wall):
    # The program's status, or None when it ran past the wall-clock limit.
    deadline = time.monotonic() + wall
    process = os.pidfd_open(pid) if hasattr(os, 'pidfd_open') else None
    try:
        while True:
            left = deadline - time.monotonic()
            if process is None:
                done, status = os.waitpid(pid, os.WNOHANG)
                if done:
                    return status
                if left <= 0:
                    return None
                time.sleep(min(left, 0.002))
                continue
            if left <= 0:
                return None
            if select.select([process], [], [], left)[0]:
                return os.waitpid(pid, 0)[1]
    finally:
        if process is not None:
            os.close(process)


def serve(request, program):
    path = '/sandbox/' + request['file']
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444)
    write_all(descriptor, program)
    os.close(descriptor)
    pid = os.fork()
    if pid == 0:
        child(request, path)
    status = wait_for(pid, request['wall'])
    # Every process the program left (or, after a timeout, the program itself) goes before the reply.
    clean()
    # The end of this run's output: written once nothing of the program can write any more, and made
    # of bytes it could not have known (drawn after it ended).
    marker = os.urandom(16).hex()
    write_all(1, marker.encode())
    fields = {'timedOut': status is None, 'exit': None, 'signal': None, 'marker': marker}
    if status is not None:
        if os.WIFSIGNALED(status):
            fields['signal'] = os.WTERMSIG(status)
        else:
            fields['exit'] = os.WEXITSTATUS(status)
    return fields


def main():
    if LIBC.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
        raise RuntimeError('prctl(PR_SET_DUMPABLE) failed')
    clean()
    reply({'ready': True, 'pid': os.getpid()})
    while True:
        line = read_line()
        if line is None:
            return
        request = json.loads(line)
        program = read_exact(request['bytes'])
        reply(serve(request, program))


main()
`;
