package io.tourniquet.bench.faults;

import io.tourniquet.devstack.ServiceProcess;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * What systemd's {@code Restart=always} or a Kubernetes Deployment does for the services of the fault suite: a process
 * that ended is started again (same port, same configuration) within half a second, and the restart is recorded with
 * the exit status it ended with. A service on hold is left down.
 */
public final class Supervisor implements AutoCloseable {

    /** A process that ended and was started again. */
    public record Restart(String service, int exitStatus, Instant at) {
    }

    private final Map<String, Supplier<ServiceProcess>> starters = new ConcurrentHashMap<>();
    private final Map<String, ServiceProcess> running = new ConcurrentHashMap<>();
    private final Set<String> held = ConcurrentHashMap.newKeySet();
    private final List<Restart> restarts = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService watcher = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "supervisor");
        t.setDaemon(true);
        return t;
    });

    public Supervisor() {
        watcher.scheduleWithFixedDelay(this::restartEnded, 500, 500, TimeUnit.MILLISECONDS);
    }

    /** Starts the service and keeps it running from now on. */
    public ServiceProcess start(String name, Supplier<ServiceProcess> starter) {
        starters.put(name, starter);
        ServiceProcess process = starter.get();
        running.put(name, process);
        return process;
    }

    /** The service's current process (a new one after each restart). */
    public ServiceProcess get(String name) {
        return running.get(name);
    }

    /**
     * SIGKILL of the service's process, then started again at once, as systemd does on the child's exit signal: the restart
     * is recorded before this returns, so the step that killed it always sees it (the half-second check could come after
     * a small fleet had already finished).
     */
    public void kill(String name) throws InterruptedException {
        running.get(name).kill();
        restartEnded();
    }

    /** Leaves the service down when it ends (a stop on purpose), until {@link #release(String)}. */
    public void hold(String name) {
        held.add(name);
    }

    public void release(String name) {
        held.remove(name);
    }

    /** Restarts recorded since the given index of {@link #restarts()}. */
    public List<Restart> restartsSince(int index) {
        return List.copyOf(restarts.subList(index, restarts.size()));
    }

    public int restartCount() {
        return restarts.size();
    }

    private synchronized void restartEnded() {
        running.forEach((name, process) -> {
            if (!process.isAlive() && !held.contains(name)) {
                restarts.add(new Restart(name, process.exitValue(), Instant.now()));
                running.put(name, starters.get(name).get());
            }
        });
    }

    /** Starts every ended service that is not on hold now, without waiting for the next check. */
    public void restartEndedNow() {
        restartEnded();
    }

    @Override
    public void close() {
        watcher.shutdownNow();
        ServiceProcess.stopAll(new ArrayList<>(running.values()));
    }
}
