#include "pairwatch/services/port_category.h"

#include <gtest/gtest.h>

using pairwatch::services::category_of;
using pairwatch::services::PortCategory;

TEST(PortCategory, Rfc6335Boundaries) {
    EXPECT_EQ(category_of(0), PortCategory::WellKnown);
    EXPECT_EQ(category_of(1023), PortCategory::WellKnown);
    EXPECT_EQ(category_of(1024), PortCategory::Registered);
    EXPECT_EQ(category_of(49151), PortCategory::Registered);
    EXPECT_EQ(category_of(49152), PortCategory::Dynamic);
    EXPECT_EQ(category_of(65535), PortCategory::Dynamic);
    static_assert(category_of(443) == PortCategory::WellKnown);
}

TEST(PortCategory, Names) {
    EXPECT_EQ(to_string(PortCategory::WellKnown), "well-known");
    EXPECT_EQ(to_string(PortCategory::Registered), "registered");
    EXPECT_EQ(to_string(PortCategory::Dynamic), "dynamic");
    EXPECT_EQ(to_string(category_of(1024)), "registered");
}
