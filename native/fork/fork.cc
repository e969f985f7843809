// tidepool's fork server for JavaScript programs (src/exec/warm-node-server.ts): inside a warm bubblewrap
// sandbox, one Node process starts once and forks a fresh process per program, so that a program does
// not pay Node's own start (about 70 ms of CPU on a small VM) each time. Node has no fork(); this addon
// gives the server the few system calls it needs, and makes a forked copy of Node able to run and end:
//
// - V8 maps its heap with MADV_DONTFORK (a child would miss it); the regions are marked MADV_DOFORK
//   before each fork.
// - Only the forking thread exists in the child; Node's platform threads do not. The child's event loop
//   is re-created (uv_loop_fork). V8 still hands work to "worker threads" (a full garbage collection
//   posts job workers, WebAssembly compiles there), and Node waits for that work when the event loop
//   runs dry (DrainTasks): with nobody to run it, the child would wait forever. So the child gets worker
//   threads of its own (WorkerPool below): the platform object's worker-thread methods are redirected to
//   them in a copy of its virtual table (slots found from the public headers' declarations through the
//   Itanium C++ ABI), DrainTasks waits for them. The server itself runs with --single-threaded (less
//   background work to hand over) and drains its own worker tasks before each fork.
// - The child ends with _exit(): Node's normal exit joins the platform threads, which do not exist in
//   the child: through Node's process-exit handler (process.exit(), an uncaught exception), or, when the
//   event loop runs dry, through an environment cleanup hook with the exit code the JavaScript side
//   recorded after the 'exit' event (recordExit).
//
// Isolation is bubblewrap's, not this file's: everything here runs inside the sandbox.
#include <node.h>
#include <uv.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <string>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <v8-platform.h>
#include <vector>

using v8::Array;
using v8::Context;
using v8::Exception;
using v8::FunctionCallbackInfo;
using v8::Int32;
using v8::Isolate;
using v8::Local;
using v8::Number;
using v8::String;
using v8::Value;

namespace {

void ChildFailed(const char* what);

// The forked child's worker threads: V8's background tasks (posted now or after a delay) run here.
namespace pool {

using Clock = std::chrono::steady_clock;
constexpr int kThreads = 2;

std::mutex mutex;
std::condition_variable wake;
std::condition_variable idle;
std::deque<std::unique_ptr<v8::Task>> ready;
std::vector<std::pair<Clock::time_point, std::unique_ptr<v8::Task>>> delayed;
// Tasks ready or running (what DrainTasks waits for; delayed ones are not counted until due, as in Node).
int outstanding = 0;
bool started = false;

void MoveDueLocked() {
  Clock::time_point now = Clock::now();
  for (size_t i = 0; i < delayed.size();) {
    if (delayed[i].first <= now) {
      ready.push_back(std::move(delayed[i].second));
      outstanding++;
      delayed.erase(delayed.begin() + static_cast<long>(i));
    } else {
      i++;
    }
  }
}

void Work() {
  std::unique_lock<std::mutex> lock(mutex);
  for (;;) {
    MoveDueLocked();
    if (ready.empty()) {
      if (delayed.empty()) {
        wake.wait(lock);
      } else {
        Clock::time_point next = delayed.front().first;
        for (const auto& entry : delayed) next = std::min(next, entry.first);
        wake.wait_until(lock, next);
      }
      continue;
    }
    std::unique_ptr<v8::Task> task = std::move(ready.front());
    ready.pop_front();
    lock.unlock();
    task->Run();
    task.reset();
    lock.lock();
    if (--outstanding == 0) idle.notify_all();
  }
}

void Post(std::unique_ptr<v8::Task> task, double delay_seconds) {
  std::lock_guard<std::mutex> lock(mutex);
  if (!started) {
    started = true;
    for (int i = 0; i < kThreads; i++) std::thread(Work).detach();
  }
  if (delay_seconds > 0) {
    delayed.emplace_back(Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(delay_seconds)), std::move(task));
  } else {
    ready.push_back(std::move(task));
    outstanding++;
  }
  wake.notify_one();
}

void WaitIdle() {
  std::unique_lock<std::mutex> lock(mutex);
  idle.wait(lock, [] { return outstanding == 0; });
}

}  // namespace pool

// The redirected virtual methods: free functions with the member functions' parameters after `this`
// (the Itanium ABI passes `this` first and a std::unique_ptr argument by hidden reference in both).
// V8 before 12: CallOnWorkerThread and CallDelayedOnWorkerThread are the virtual methods. V8 12 and
// later (Node 22, 24): those call the virtual PostTaskOnWorkerThreadImpl and
// PostDelayedTaskOnWorkerThreadImpl, which take a priority first and a source location last.
void HookCallOnWorkerThread(v8::Platform*, std::unique_ptr<v8::Task> task) { pool::Post(std::move(task), 0); }
void HookCallDelayedOnWorkerThread(v8::Platform*, std::unique_ptr<v8::Task> task, double delay_seconds) { pool::Post(std::move(task), delay_seconds); }
void HookPostTaskImpl(v8::Platform*, v8::TaskPriority, std::unique_ptr<v8::Task> task, const void*) { pool::Post(std::move(task), 0); }
void HookPostDelayedTaskImpl(v8::Platform*, v8::TaskPriority, std::unique_ptr<v8::Task> task, double delay_seconds, const void*) { pool::Post(std::move(task), delay_seconds); }
void HookDrainTasks(node::MultiIsolatePlatform* platform, v8::Isolate* isolate) {
  // As Node's DrainTasks: worker tasks done, then the isolate's foreground tasks, until neither has any.
  do {
    pool::WaitIdle();
  } while (platform->FlushForegroundTasks(isolate));
}

// The virtual-table slot of a virtual member function (Itanium ABI: its pointer holds 1 + the byte
// offset), or -1 for a member function that is not virtual.
template <typename Method>
long SlotOf(Method method) {
  static_assert(sizeof(method) == 2 * sizeof(uintptr_t), "Itanium ABI member function pointer");
  uintptr_t raw[2];
  memcpy(raw, &method, sizeof raw);
  if ((raw[0] & 1) == 0 || raw[1] != 0) return -1;
  return static_cast<long>((raw[0] - 1) / sizeof(void*));
}

// Which worker-thread methods this V8 has. The ...Impl ones are protected: named through a subclass.
struct WorkerSlots : v8::Platform {
  template <typename P>
  static auto Post(int) -> decltype(&P::PostTaskOnWorkerThreadImpl, std::pair<long, void*>()) {
    return {SlotOf(&P::PostTaskOnWorkerThreadImpl), reinterpret_cast<void*>(&HookPostTaskImpl)};
  }
  template <typename P>
  static std::pair<long, void*> Post(...) {
    return {SlotOf(&v8::Platform::CallOnWorkerThread), reinterpret_cast<void*>(&HookCallOnWorkerThread)};
  }
  template <typename P>
  static auto Delayed(int) -> decltype(&P::PostDelayedTaskOnWorkerThreadImpl, std::pair<long, void*>()) {
    return {SlotOf(&P::PostDelayedTaskOnWorkerThreadImpl), reinterpret_cast<void*>(&HookPostDelayedTaskImpl)};
  }
  template <typename P>
  static std::pair<long, void*> Delayed(...) {
    return {SlotOf(&v8::Platform::CallDelayedOnWorkerThread), reinterpret_cast<void*>(&HookCallDelayedOnWorkerThread)};
  }
};

// Enough slots for v8::Platform and MultiIsolatePlatform, plus the two words before the address point.
constexpr long kSlots = 96;

// Whether every redirected method is virtual here and within the copied table (checked by the server
// before it says it is ready: where not, it exits and programs are exec'd instead).
bool WorkerSlotsFound() {
  long post = WorkerSlots::Post<WorkerSlots>(0).first;
  long delayed = WorkerSlots::Delayed<WorkerSlots>(0).first;
  long drain = SlotOf(&node::MultiIsolatePlatform::DrainTasks);
  return post >= 0 && post < kSlots && delayed >= 0 && delayed < kSlots && drain >= 0 && drain < kSlots;
}

// Points `platform` at a copy of its virtual table whose worker-thread methods run on the pool.
void RedirectWorkerThreads(node::MultiIsolatePlatform* platform) {
  if (!WorkerSlotsFound()) ChildFailed("this Node's platform has no worker-thread methods to redirect");
  void** original = *reinterpret_cast<void***>(platform);
  void** copy = static_cast<void**>(malloc((kSlots + 2) * sizeof(void*)));
  if (copy == nullptr) abort();
  memcpy(copy, original - 2, (kSlots + 2) * sizeof(void*));
  void** table = copy + 2;
  std::pair<long, void*> post = WorkerSlots::Post<WorkerSlots>(0);
  std::pair<long, void*> delayed = WorkerSlots::Delayed<WorkerSlots>(0);
  table[post.first] = post.second;
  table[delayed.first] = delayed.second;
  table[SlotOf(&node::MultiIsolatePlatform::DrainTasks)] = reinterpret_cast<void*>(&HookDrainTasks);
  *reinterpret_cast<void***>(platform) = table;
}

// supported(): whether the fork server can run here (this Node's platform methods found).
void Supported(const FunctionCallbackInfo<Value>& args) { args.GetReturnValue().Set(WorkerSlotsFound()); }

// The exit code the child's JavaScript recorded once its 'exit' listeners ran; -1 before.
int recorded_exit = -1;

void Throw(Isolate* isolate, const std::string& message) {
  isolate->ThrowException(Exception::Error(String::NewFromUtf8(isolate, message.c_str()).ToLocalChecked()));
}

std::string ErrnoText(const char* what) { return std::string(what) + ": " + strerror(errno); }

// Every mapping copied into a forked child (V8 marks its heap MADV_DONTFORK). Mappings that refuse
// (the vDSO's data) are left as they are.
void MarkAllForkable() {
  FILE* maps = fopen("/proc/self/maps", "re");
  if (maps == nullptr) return;
  char line[512];
  while (fgets(line, sizeof line, maps) != nullptr) {
    unsigned long start = 0, end = 0;
    if (sscanf(line, "%lx-%lx", &start, &end) == 2 && end > start) madvise(reinterpret_cast<void*>(start), end - start, MADV_DOFORK);
    if (strchr(line, '\n') == nullptr) {
      int c;
      while ((c = fgetc(maps)) != EOF && c != '\n') {
      }
    }
  }
  fclose(maps);
}

void ChildFailed(const char* what) {
  std::string text = std::string("tidepool-warm: could not start the program: ") + what + ": " + strerror(errno) + "\n";
  ssize_t ignored = write(2, text.data(), text.size());
  (void)ignored;
  _exit(127);
}

// In the forked child: the program's own session, stdin from /dev/null, stderr joined to stdout, the
// server's control descriptor closed, the sandbox's folder, the request's environment and kernel
// limits. Node's own descriptors (event loops, libuv's signal pipes) stay: libuv re-creates the
// child's (pthread_atfork, uv_loop_fork), as a program started by exec would have its own.
void SetUpChild(int control, const std::vector<std::string>& env, const std::vector<long long>& limits) {
  if (setsid() < 0) ChildFailed("setsid");
  int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null < 0 || dup2(null, 0) < 0) ChildFailed("stdin");
  if (null != 0) close(null);
  if (dup2(1, 2) < 0) ChildFailed("stderr");
  if (control > 2 && close(control) != 0) ChildFailed("close the control descriptor");
  if (chdir("/sandbox") != 0) ChildFailed("chdir /sandbox");
  if (clearenv() != 0) ChildFailed("clearenv");
  for (const std::string& entry : env) {
    size_t equals = entry.find('=');
    if (equals == std::string::npos || setenv(entry.substr(0, equals).c_str(), entry.c_str() + equals + 1, 1) != 0) ChildFailed("setenv");
  }
  for (size_t i = 0; i + 2 < limits.size(); i += 3) {
    struct rlimit limit = {static_cast<rlim_t>(limits[i + 1]), static_cast<rlim_t>(limits[i + 2])};
    if (setrlimit(static_cast<int>(limits[i]), &limit) != 0) ChildFailed("setrlimit");
  }
  struct rlimit no_core = {0, 0};
  if (setrlimit(RLIMIT_CORE, &no_core) != 0) ChildFailed("setrlimit core");
  // Dumpable again (the server is not): the program's /proc files are its own, as in any process.
  prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
}

// forkProgram(control: number, env: string[], limits: number[]): the child's pid in the server; 0 in
// the child, set up to run the program. limits: [resource, soft, hard] triples (RLIMIT_* numbers).
void ForkProgram(const FunctionCallbackInfo<Value>& args) {
  Isolate* isolate = args.GetIsolate();
  Local<Context> context = isolate->GetCurrentContext();
  if (args.Length() < 3 || !args[0]->IsInt32() || !args[1]->IsArray() || !args[2]->IsArray()) return Throw(isolate, "forkProgram(control: number, env: string[], limits: number[])");
  int control = args[0].As<Int32>()->Value();
  std::vector<std::string> env;
  Local<Array> env_array = args[1].As<Array>();
  for (uint32_t i = 0; i < env_array->Length(); i++) {
    String::Utf8Value text(isolate, env_array->Get(context, i).ToLocalChecked());
    env.emplace_back(*text == nullptr ? "" : *text);
  }
  std::vector<long long> limits;
  Local<Array> limit_array = args[2].As<Array>();
  for (uint32_t i = 0; i < limit_array->Length(); i++) {
    limits.push_back(static_cast<long long>(limit_array->Get(context, i).ToLocalChecked()->NumberValue(context).FromMaybe(-1)));
  }
  node::Environment* environment = node::GetCurrentEnvironment(context);
  node::MultiIsolatePlatform* platform = node::GetMultiIsolatePlatform(environment);
  if (environment == nullptr || platform == nullptr) return Throw(isolate, "forkProgram: no Node environment or platform");
  // No worker task of the server's may be pending in the child (nobody there would run it).
  platform->DrainTasks(isolate);
  MarkAllForkable();
  pid_t pid = fork();
  if (pid < 0) return Throw(isolate, ErrnoText("fork"));
  if (pid == 0) {
    SetUpChild(control, env, limits);
    if (uv_loop_fork(node::GetCurrentEventLoop(isolate)) != 0) ChildFailed("uv_loop_fork");
    RedirectWorkerThreads(platform);
    node::SetProcessExitHandler(environment, [](node::Environment*, int code) { _exit(code & 0xFF); });
    node::AddEnvironmentCleanupHook(isolate, [](void*) { _exit(recorded_exit < 0 ? 0 : recorded_exit & 0xFF); }, nullptr);
  }
  args.GetReturnValue().Set(static_cast<int32_t>(pid));
}

// getpid(): this process's id (Node's process.pid is the value it had at start: the server's, in a child).
void GetPid(const FunctionCallbackInfo<Value>& args) { args.GetReturnValue().Set(static_cast<int32_t>(getpid())); }

// recordExit(code): the exit code a natural end (the event loop ran dry) ends the child with.
void RecordExit(const FunctionCallbackInfo<Value>& args) {
  recorded_exit = args[0]->Int32Value(args.GetIsolate()->GetCurrentContext()).FromMaybe(0);
}

// waitFor(pid, milliseconds): the child's wait status, or -1 when it still runs at the deadline.
void WaitFor(const FunctionCallbackInfo<Value>& args) {
  Isolate* isolate = args.GetIsolate();
  Local<Context> context = isolate->GetCurrentContext();
  pid_t pid = args[0]->Int32Value(context).FromMaybe(0);
  double millis = args[1]->NumberValue(context).FromMaybe(0);
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  double deadline = now.tv_sec * 1e3 + now.tv_nsec / 1e6 + millis;
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  int status = 0;
  for (;;) {
    pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) {
      if (pidfd >= 0) close(pidfd);
      return Throw(isolate, ErrnoText("waitpid"));
    }
    clock_gettime(CLOCK_MONOTONIC, &now);
    double left = deadline - (now.tv_sec * 1e3 + now.tv_nsec / 1e6);
    if (left <= 0) {
      status = -1;
      break;
    }
    if (pidfd >= 0) {
      struct pollfd wait_for = {pidfd, POLLIN, 0};
      poll(&wait_for, 1, left > 1e9 ? 1000000000 : static_cast<int>(left) + 1);
    } else {
      usleep(left < 2 ? static_cast<useconds_t>(left * 1000) : 2000);
    }
  }
  if (pidfd >= 0) close(pidfd);
  args.GetReturnValue().Set(status);
}

// Process ids in /proc other than the sandbox's init (1) and this server.
std::vector<int> Others() {
  std::vector<int> found;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return found;
  int me = getpid();
  for (struct dirent* entry = readdir(proc); entry != nullptr; entry = readdir(proc)) {
    char* end = nullptr;
    long pid = strtol(entry->d_name, &end, 10);
    if (end != entry->d_name && *end == '\0' && pid != 1 && pid != me) found.push_back(static_cast<int>(pid));
  }
  closedir(proc);
  return found;
}

void Reap() {
  int status;
  while (waitpid(-1, &status, WNOHANG) > 0) {
  }
}

// killAll(): kills every other process in the sandbox (kill(-1) spares the server and the sandbox's
// init), repeated until /proc shows none. Throws when some are left after 2,000 tries.
void KillAll(const FunctionCallbackInfo<Value>& args) {
  for (int attempt = 0; attempt < 2000; attempt++) {
    kill(-1, SIGKILL);
    Reap();
    if (Others().empty()) return;
    usleep(1000);
  }
  std::string left;
  for (int pid : Others()) left += " " + std::to_string(pid);
  Throw(args.GetIsolate(), "processes left in the sandbox after kill(-1):" + left);
}

// removeIpc(): removes every System V IPC object (they outlive their processes in the sandbox's IPC namespace).
void RemoveIpc(const FunctionCallbackInfo<Value>& args) {
  const char* kinds[] = {"shm", "sem", "msg"};
  for (int kind = 0; kind < 3; kind++) {
    std::string path = std::string("/proc/sysvipc/") + kinds[kind];
    FILE* table = fopen(path.c_str(), "re");
    if (table == nullptr) continue;
    char line[1024];
    bool header = true;
    while (fgets(line, sizeof line, table) != nullptr) {
      if (header) {
        header = false;
        continue;
      }
      long key = 0, id = 0;
      if (sscanf(line, "%ld %ld", &key, &id) != 2) continue;
      int result = kind == 0 ? shmctl(static_cast<int>(id), IPC_RMID, nullptr) : kind == 1 ? semctl(static_cast<int>(id), 0, IPC_RMID) : msgctl(static_cast<int>(id), IPC_RMID, nullptr);
      if (result != 0) {
        fclose(table);
        return Throw(args.GetIsolate(), std::string("cannot remove System V ") + kinds[kind] + " " + std::to_string(id) + ": " + strerror(errno));
      }
    }
    fclose(table);
  }
}

// setDumpable(flag): the server marks itself not dumpable, so a program (same user id, no capabilities)
// can neither trace it nor read its memory.
void SetDumpable(const FunctionCallbackInfo<Value>& args) {
  if (prctl(PR_SET_DUMPABLE, args[0]->BooleanValue(args.GetIsolate()) ? 1 : 0, 0, 0, 0) != 0) Throw(args.GetIsolate(), ErrnoText("prctl(PR_SET_DUMPABLE)"));
}

}  // namespace

NODE_MODULE_INIT(/* exports, module, context */) {
  NODE_SET_METHOD(exports, "forkProgram", ForkProgram);
  NODE_SET_METHOD(exports, "recordExit", RecordExit);
  NODE_SET_METHOD(exports, "getpid", GetPid);
  NODE_SET_METHOD(exports, "waitFor", WaitFor);
  NODE_SET_METHOD(exports, "killAll", KillAll);
  NODE_SET_METHOD(exports, "removeIpc", RemoveIpc);
  NODE_SET_METHOD(exports, "setDumpable", SetDumpable);
  NODE_SET_METHOD(exports, "supported", Supported);
}
