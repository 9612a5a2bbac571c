package io.tourniquet.agent.domain;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * Keeps the local admin's {@link LocalControl} in local-control.json in the state directory (readable, so an admin
 * can see it), or in memory when the agent keeps no state.
 */
public class LocalControlStore {

    private final ObjectMapper mapper = JsonMapper.builder().addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).build();
    private final Optional<Path> file;
    private volatile LocalControl current;

    public LocalControlStore(Optional<Path> stateDir) {
        this.file = stateDir.map(d -> d.resolve("local-control.json"));
        this.current = file.filter(Files::exists).map(this::read).orElse(LocalControl.NONE);
    }

    public LocalControl get() {
        return current;
    }

    public synchronized void set(LocalControl control) {
        file.ifPresent(f -> write(f, control));
        current = control;
    }

    private LocalControl read(Path f) {
        try {
            return mapper.readValue(f.toFile(), LocalControl.class);
        } catch (IOException e) {
            throw new UncheckedIOException("local control " + f + " is unreadable; fix or delete it", e);
        }
    }

    private void write(Path f, LocalControl control) {
        try {
            Files.createDirectories(f.getParent());
            Path temp = f.resolveSibling(f.getFileName() + ".tmp");
            mapper.writerWithDefaultPrettyPrinter().writeValue(temp.toFile(), control);
            Files.move(temp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write local control " + f, e);
        }
    }
}
