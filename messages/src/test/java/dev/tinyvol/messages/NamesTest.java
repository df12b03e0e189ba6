package dev.tinyvol.messages;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class NamesTest {

    @ParameterizedTest
    @ValueSource(strings = {"..", ".", "a/b", "/x", "", ".hidden", "-dash", "a b", "a\0b", "ü"})
    void refusesNamesThatAreNotOneSafeSegment(String name) {
        assertFalse(Names.isValid(name));
        assertNotNull(Names.problemWith(name));
    }

    @Test
    void refusesOverlongNamesSayingHowLong() {
        String name = "a".repeat(129);
        assertFalse(Names.isValid(name));
        assertEquals("is 129 characters long; at most 128 are allowed", Names.problemWith(name));
    }

    @ParameterizedTest
    @ValueSource(strings = {"web-1", "nginx-1.27", "A_b.c-d", "0"})
    void acceptsOrdinaryNames(String name) {
        assertTrue(Names.isValid(name));
        assertNull(Names.problemWith(name));
    }

    @Test
    void accepts128Characters() {
        assertTrue(Names.isValid("a".repeat(128)));
    }
}
