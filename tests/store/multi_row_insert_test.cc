#include "store/multi_row_insert.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace switchyard {
namespace {

class MultiRowInsertTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(sqlite3_open(":memory:", &db_), SQLITE_OK);
    ASSERT_TRUE(Exec(db_, "CREATE TABLE t (n INTEGER UNIQUE, x REAL, s TEXT, maybe INTEGER)"));
    ASSERT_TRUE(insert_.Prepare(db_, "INSERT INTO t (n, x, s, maybe)", 4).ok());
  }
  void TearDown() override {
    insert_.Finalize();
    EXPECT_EQ(sqlite3_close(db_), SQLITE_OK) << "a statement was left unfinalized";
  }

  // Every row, in rowid order, as "n x s maybe" with NULL spelt out.
  std::vector<std::string> Rows() {
    std::vector<std::string> out;
    Status s = ForEachRow(
        db_, "SELECT n, x, s, maybe IS NULL, maybe FROM t ORDER BY rowid", {},
        [&out](const Row& r) {
          out.push_back(std::to_string(r.Int(0)) + " " + std::to_string(r.Double(1)) + " " +
                        r.Text(2) + " " + (r.Int(3) ? "NULL" : std::to_string(r.Int(4))));
        },
        "reading t");
    EXPECT_TRUE(s.ok()) << s.message();
    return out;
  }

  sqlite3* db_ = nullptr;
  MultiRowInsert insert_;
};

TEST_F(MultiRowInsertTest, EveryCountOfRowsArrivesInOrderWithItsValues) {
  // Below, at, and past one statement's rows, and past two: the full statements and the
  // rest must each carry their own rows' values, a column left out of a row NULL even when
  // the row before set it.
  for (int count : {0, 1, 2, 15, 16, 17, 31, 32, 33, 40}) {
    SCOPED_TRACE(count);
    ASSERT_TRUE(Exec(db_, "DELETE FROM t"));
    std::vector<std::string> texts, want;
    texts.reserve(static_cast<size_t>(count));  // the inserts keep views of these
    for (int i = 0; i < count; ++i) {
      texts.push_back("row" + std::to_string(i));
      insert_.Int(1, i).Double(2, i + 0.5).Text(3, texts.back());
      if (i % 3 == 0) insert_.Int(4, 100 + i);
      ASSERT_TRUE(insert_.EndRow());
      want.push_back(std::to_string(i) + " " + std::to_string(i + 0.5) + " row" +
                     std::to_string(i) + " " + (i % 3 == 0 ? std::to_string(100 + i) : "NULL"));
    }
    EXPECT_EQ(insert_.held(), count % MultiRowInsert::kRowsPerStatement);
    ASSERT_TRUE(insert_.Flush());
    EXPECT_EQ(insert_.held(), 0);
    EXPECT_EQ(Rows(), want);
  }
}

TEST_F(MultiRowInsertTest, AFailedStatementSaysSoAndHoldsNothingAfter) {
  insert_.Int(1, 7).Double(2, 1).Text(3, "a");
  ASSERT_TRUE(insert_.EndRow());
  insert_.Int(1, 7).Double(2, 2).Text(3, "b");  // n is UNIQUE
  ASSERT_TRUE(insert_.EndRow());                // held, not yet inserted
  EXPECT_FALSE(insert_.Flush());
  EXPECT_EQ(insert_.held(), 0);
  EXPECT_TRUE(Rows().empty());
  // The next rows go in on their own.
  insert_.Int(1, 8).Double(2, 3).Text(3, "c").TextOrNull(4, "");
  ASSERT_TRUE(insert_.EndRow());
  ASSERT_TRUE(insert_.Flush());
  EXPECT_EQ(Rows(), std::vector<std::string>{"8 3.000000 c NULL"});
}

TEST_F(MultiRowInsertTest, ClearedRowsAreNeverInserted) {
  insert_.Int(1, 1).Text(3, "gone");
  ASSERT_TRUE(insert_.EndRow());
  insert_.Clear();
  ASSERT_TRUE(insert_.Flush());
  EXPECT_TRUE(Rows().empty());
}

TEST_F(MultiRowInsertTest, ATableThatIsNotThereFailsAtPrepare) {
  MultiRowInsert bad;
  Status s = bad.Prepare(db_, "INSERT INTO nowhere (a)", 1);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("nowhere"), std::string::npos) << s.message();
  bad.Finalize();
}

}  // namespace
}  // namespace switchyard
