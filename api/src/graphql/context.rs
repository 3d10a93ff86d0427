//! The request's context as resolvers reach it: every request the server builds
//! carries one [`RequestContext`] (the caller, the services, the limits).

use async_graphql::Context;

use crate::request::RequestContext;

/// The request's context (present in every request the server builds).
pub(crate) fn request<'a>(ctx: &'a Context<'a>) -> async_graphql::Result<&'a RequestContext> {
    ctx.data::<RequestContext>()
}
