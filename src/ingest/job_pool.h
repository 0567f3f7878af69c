#pragma once
// A few worker threads running jobs that one coordinating thread submits and
// then takes back in an order of its own choosing. The taking thread works
// too (the job it waits for, if nobody has started it, or others queued), so
// a pool of N workers keeps N+1 threads busy.
#include <algorithm>
#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

namespace cachedb {

template <typename Task, typename Result, typename Context>
class JobPool {
 public:
  struct Job {
    Task task;
    Result result{};
    std::exception_ptr error;
    // Queued exactly while in the pool's queue.
    enum class State { Queued, Running, Done } state = State::Queued;
  };
  using Runner = std::function<Result(Task&, Context&)>;

  // Each worker gets its own context (a database connection, say), made here.
  JobPool(unsigned workers, const std::function<Context()>& make_context, Runner run) : run_(std::move(run)) {
    contexts_.reserve(workers);
    for (unsigned i = 0; i < workers; ++i) contexts_.push_back(make_context());
    // A thread that cannot be started (a process limit) is one worker less: the
    // taking thread runs whatever nobody else does. Throwing here instead
    // would destroy the threads already started while they run (terminate).
    for (unsigned i = 0; i < workers; ++i) {
      try {
        threads_.emplace_back([this, i] { work(contexts_[i]); });
      } catch (const std::system_error&) {
        break;
      }
    }
  }

  ~JobPool() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    queued_.notify_all();
    for (auto& t : threads_) t.join();
  }

  JobPool(const JobPool&) = delete;
  JobPool& operator=(const JobPool&) = delete;

  std::shared_ptr<Job> submit(Task task) {
    auto job = std::make_shared<Job>();
    job->task = std::move(task);
    {
      std::lock_guard lock(mutex_);
      queue_.push_back(job);
    }
    queued_.notify_one();
    return job;
  }

  // The job's result, running it here with `own` if no worker has taken it;
  // rethrows what the job threw. While a worker runs it, this thread runs
  // other queued jobs rather than wait idle.
  Result take(const std::shared_ptr<Job>& job, Context& own) {
    std::unique_lock lock(mutex_);
    while (job->state != Job::State::Done) {
      std::shared_ptr<Job> other;
      if (job->state == Job::State::Queued) {
        // Out of the queue as well: left there, a pool without workers (or
        // with workers all busy) would hold every job it ever ran.
        other = job;
        queue_.erase(std::find(queue_.begin(), queue_.end(), job));
      } else if (!queue_.empty()) {
        other = std::move(queue_.front());
        queue_.pop_front();
      }
      if (!other) {  // a worker runs it, and nothing else waits
        done_.wait(lock);
        continue;
      }
      other->state = Job::State::Running;
      lock.unlock();
      execute(*other, own);
      lock.lock();
    }
    if (job->error) std::rethrow_exception(job->error);
    return std::move(job->result);
  }

 private:
  void execute(Job& job, Context& context) {
    try {
      job.result = run_(job.task, context);
    } catch (...) {
      job.error = std::current_exception();
    }
    {
      std::lock_guard lock(mutex_);
      job.state = Job::State::Done;
    }
    done_.notify_all();
  }

  void work(Context& context) {
    std::unique_lock lock(mutex_);
    while (true) {
      queued_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (stop_) return;
      std::shared_ptr<Job> job = std::move(queue_.front());
      queue_.pop_front();
      job->state = Job::State::Running;
      lock.unlock();
      execute(*job, context);
      lock.lock();
    }
  }

  Runner run_;
  std::vector<Context> contexts_;
  std::vector<std::thread> threads_;
  std::mutex mutex_;
  std::condition_variable queued_, done_;
  std::deque<std::shared_ptr<Job>> queue_;
  bool stop_ = false;
};

}  // namespace cachedb
