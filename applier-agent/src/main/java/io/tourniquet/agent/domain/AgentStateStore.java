package io.tourniquet.agent.domain;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keeps each server's {@link AgentState}: in a file per server, written to a temporary file, forced to disk and
 * renamed over the old one (so a crash leaves the old or the new state, never half of one); or in memory only.
 */
public class AgentStateStore {

    private final ObjectMapper mapper = JsonMapper.builder().build();
    private final Optional<Path> dir;
    private final Map<String, AgentState> memory = new ConcurrentHashMap<>();

    public AgentStateStore(Optional<Path> dir) {
        this.dir = dir;
        dir.ifPresent(d -> {
            try {
                Files.createDirectories(d);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create agent state directory " + d, e);
            }
        });
    }

    public AgentState load(String serverId) {
        return memory.computeIfAbsent(serverId, id -> dir.map(d -> read(d.resolve(id + ".json"))).orElseGet(AgentState::new));
    }

    public void save(String serverId, AgentState state) {
        memory.put(serverId, state);
        if (dir.isEmpty()) {
            return;
        }
        Path target = dir.get().resolve(serverId + ".json");
        Path temp = dir.get().resolve(serverId + ".json.tmp");
        try {
            Files.write(temp, mapper.writeValueAsBytes(state));
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                channel.force(true);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save agent state to " + target, e);
        }
    }

    private AgentState read(Path file) {
        if (!Files.exists(file)) {
            return new AgentState();
        }
        try {
            return mapper.readValue(file.toFile(), AgentState.class);
        } catch (IOException e) {
            throw new UncheckedIOException("agent state " + file + " is unreadable; refusing to guess what is in force", e);
        }
    }
}
