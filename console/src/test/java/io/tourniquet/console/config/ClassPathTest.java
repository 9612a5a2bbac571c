package io.tourniquet.console.config;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/**
 * The console signs and verifies nothing, so BouncyCastle (which schemas brings for the services' Ed25519) stays off
 * its class path: with it there, Netty's first TLS connection builds a BouncyCastle provider on an event loop only to
 * learn whether the engine is BC's JSSE, and that blocked the loop 2.6 s at a console start.
 */
class ClassPathTest {

    @Test
    void bouncyCastleIsNotOnTheConsolesClassPath() {
        assertThatThrownBy(() -> Class.forName("org.bouncycastle.jce.provider.BouncyCastleProvider")).isInstanceOf(ClassNotFoundException.class);
    }
}
