package io.tourniquet.access;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** A refused request and why, as every API of ours answers it: {"error": "..."}. */
public record Problem(String error) {

    public static Response response(int status, String error) {
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE).entity(new Problem(error)).build();
    }
}
