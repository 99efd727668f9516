#include "pairwatch/watch/app_match.h"

#include <gtest/gtest.h>

namespace pairwatch::watch {
namespace {

TEST(AppMatch, SshOnTheHttpsPortAndHttpOnTheDnsPortContradict) {
    EXPECT_TRUE(app_contradicts_service("SSH", "https"));
    EXPECT_TRUE(app_contradicts_service("HTTP", "dns"));
    EXPECT_TRUE(app_contradicts_service("TLS.Google", "ssh"));
}

TEST(AppMatch, WhatThePortPromisesOrWhatNobodyClaimsIsNoNews) {
    EXPECT_FALSE(app_contradicts_service("TLS.Google", "https"));
    EXPECT_FALSE(app_contradicts_service("HTTP", "http-alt"));
    EXPECT_FALSE(app_contradicts_service("SSH", "ssh"));
    EXPECT_FALSE(app_contradicts_service("TLS", "smtp")) << "STARTTLS";
    EXPECT_FALSE(app_contradicts_service("HTTP", "")) << "a port with no name claims nothing";
    EXPECT_FALSE(app_contradicts_service("HTTP", "irdmi")) << "an IANA name with no clear claim";
    EXPECT_FALSE(app_contradicts_service("BitTorrent", "https")) << "not a protocol we judge";
    EXPECT_EQ(app_family("TLS.YouTube"), "tls");
}

} // namespace
} // namespace pairwatch::watch
