window.YTD.tweets.part0 = [
  {
    "tweet" : {
      "edit_info" : {
        "initial" : {
          "editTweetIds" : [ "1722634005611225455" ],
          "editableUntil" : "2023-11-09T16:41:38.000Z",
          "editsRemaining" : "5",
          "isEditEligible" : true
        }
      },
      "retweeted" : false,
      "source" : "<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter Web App</a>",
      "entities" : {
        "hashtags" : [ { "text" : "coffee", "indices" : [ "45", "52" ] }, { "text" : "SpecialtyCoffee", "indices" : [ "53", "69" ] } ],
        "symbols" : [ ],
        "user_mentions" : [ ],
        "urls" : [ ]
      },
      "display_text_range" : [ "0", "69" ],
      "favorite_count" : "12",
      "id_str" : "1722634005611225455",
      "truncated" : false,
      "retweet_count" : "3",
      "id" : "1722634005611225455",
      "created_at" : "Thu Nov 09 15:41:38 +0000 2023",
      "favorited" : false,
      "full_text" : "Dialled in the new Ethiopian natural at last #coffee #SpecialtyCoffee",
      "lang" : "en"
    }
  },
  {
    "tweet" : {
      "retweeted" : false,
      "source" : "<a href=\"http://twitter.com/download/android\" rel=\"nofollow\">Twitter for Android</a>",
      "entities" : {
        "hashtags" : [ ],
        "symbols" : [ ],
        "user_mentions" : [ { "name" : "Marta Ruiz", "screen_name" : "martabrews", "indices" : [ "0", "11" ], "id_str" : "90211876", "id" : "90211876" } ],
        "urls" : [ ]
      },
      "display_text_range" : [ "0", "96" ],
      "favorite_count" : "2",
      "in_reply_to_status_id_str" : "1722611987723440213",
      "id_str" : "1722640102334001151",
      "in_reply_to_user_id" : "90211876",
      "truncated" : false,
      "retweet_count" : "0",
      "id" : "1722640102334001151",
      "in_reply_to_status_id" : "1722611987723440213",
      "created_at" : "Thu Nov 09 16:05:51 +0000 2023",
      "favorited" : false,
      "full_text" : "@martabrews 18g in, 36g out, 28 seconds. Grind one step finer than you think and let it rest.",
      "lang" : "en",
      "in_reply_to_screen_name" : "martabrews",
      "in_reply_to_user_id_str" : "90211876"
    }
  },
  {
    "tweet" : {
      "retweeted" : false,
      "source" : "<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter Web App</a>",
      "entities" : {
        "hashtags" : [ ],
        "symbols" : [ ],
        "user_mentions" : [ { "name" : "Roastery Lab", "screen_name" : "roasterylab", "indices" : [ "3", "15" ], "id_str" : "33310945", "id" : "33310945" } ],
        "urls" : [ ]
      },
      "display_text_range" : [ "0", "120" ],
      "favorite_count" : "0",
      "id_str" : "1723001555012343808",
      "truncated" : false,
      "retweet_count" : "0",
      "id" : "1723001555012343808",
      "created_at" : "Fri Nov 10 16:02:07 +0000 2023",
      "favorited" : false,
      "full_text" : "RT @roasterylab: Open house on Saturday: cupping from 10am, everyone welcome, bring a friend who thinks coffee is bitter.",
      "lang" : "en"
    }
  },
  {
    "tweet" : {
      "retweeted" : false,
      "source" : "<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter Web App</a>",
      "entities" : {
        "hashtags" : [ { "text" : "running", "indices" : [ "55", "63" ] } ],
        "symbols" : [ ],
        "user_mentions" : [ ],
        "urls" : [ ]
      },
      "display_text_range" : [ "0", "63" ],
      "favorite_count" : "0",
      "id_str" : "1724102938475520011",
      "truncated" : false,
      "retweet_count" : "0",
      "id" : "1724102938475520011",
      "created_at" : "Mon Nov 13 16:58:30 +0000 2023",
      "favorited" : false,
      "full_text" : "Ten easy kilometres along the canal before the rain came #running",
      "lang" : "en"
    }
  }
]
